// Builds the body sent to a native Responses upstream: the client's fields kept, the gateway's state applied.
import { clampMaxOutputTokens } from './clamp-max-output-tokens.js';
import type { ConversionWarning, JsonObject, ResponseItem } from './responses-types.js';

export interface ResponsesBodyOptions {
  upstreamModel: string;
  /** The whole input: resolved history, then this turn's items. */
  input: string | ResponseItem[];
  quirks?: 'xai' | 'openrouter';
  /** Ask for encrypted reasoning so that the next turn can replay it. */
  reasoningModel: boolean;
  maxOutputTokensCeiling: number;
  /** Ask upstream for an event stream (the default) or for one JSON body (a non-streaming client). */
  stream?: boolean;
}

/** Fields the gateway answers itself; upstream never sees them. */
const GATEWAY_FIELDS = ['previous_response_id', 'conversation', 'background', 'stream', 'stream_options'] as const;

export function toResponsesBody(request: JsonObject, options: ResponsesBodyOptions): { body: JsonObject; warnings: ConversionWarning[] } {
  const clamped = clampMaxOutputTokens(request, options.maxOutputTokensCeiling);
  const warnings: ConversionWarning[] = [...clamped.warnings];
  const body: JsonObject = { ...clamped.request, model: options.upstreamModel, input: options.input };
  for (const field of GATEWAY_FIELDS) delete body[field];
  body.stream = options.stream ?? true;
  const streamOptions = request.stream_options as JsonObject | undefined;
  if (streamOptions && request.stream === true && body.stream) body.stream_options = streamOptions;

  const reasoning = isObject(body.reasoning) ? { ...body.reasoning } : undefined;
  if (options.quirks === 'xai' && reasoning) {
    // xAI returns no readable reasoning and rejects or ignores the summary option.
    for (const field of ['summary', 'generate_summary'] as const) {
      if (reasoning[field] !== undefined && reasoning[field] !== null) {
        warnings.push({ param: `reasoning.${field}`, message: 'not sent to xAI, which returns no readable reasoning' });
      }
      delete reasoning[field];
    }
  }
  if (reasoning) {
    if (Object.keys(reasoning).length > 0) body.reasoning = reasoning;
    else delete body.reasoning;
  }

  if (options.reasoningModel || request.reasoning !== undefined && request.reasoning !== null) {
    const include = Array.isArray(body.include) ? (body.include as unknown[]) : [];
    if (!include.includes('reasoning.encrypted_content')) body.include = [...include, 'reasoning.encrypted_content'];
  }
  return { body, warnings };
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
