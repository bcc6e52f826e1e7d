// Lowers max_output_tokens to the configured ceiling, saying so; omitted stays omitted.
import type { ConversionWarning, JsonObject } from './responses-types.js';

export function clampMaxOutputTokens(request: JsonObject, ceiling: number): { request: JsonObject; warnings: ConversionWarning[] } {
  const value = request.max_output_tokens;
  if (typeof value !== 'number' || value <= ceiling) return { request, warnings: [] };
  return {
    request: { ...request, max_output_tokens: ceiling },
    warnings: [{ param: 'max_output_tokens', message: `lowered from ${value} to the gateway's ceiling ${ceiling} (limits.max_output_tokens)` }],
  };
}
