// Chat Completions usage (prompt_/completion_tokens) → Responses usage (input_/output_tokens).
import type { ResponseUsage } from '../responses-types.js';
import type { ChatUsage } from './chat-chunk-schema.js';

const MAPPED_FIELDS = new Set([
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_tokens_details',
  'completion_tokens_details',
]);

/**
 * Maps the token counts and keeps everything else: the detail objects' other counters (audio, cache writes)
 * stay inside the matching `*_details`, and top-level extras such as OpenRouter's `cost`, `is_byok` and
 * `cost_details` stay on the usage object, so billing data is not lost.
 */
export function mapChatUsage(usage: ChatUsage): ResponseUsage {
  const inputTokens = usage.prompt_tokens ?? 0;
  const outputTokens = usage.completion_tokens ?? 0;
  const extras = Object.fromEntries(Object.entries(usage).filter(([key]) => !MAPPED_FIELDS.has(key)));
  return {
    input_tokens: inputTokens,
    input_tokens_details: {
      ...usage.prompt_tokens_details,
      cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    },
    output_tokens: outputTokens,
    output_tokens_details: {
      ...usage.completion_tokens_details,
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens ?? inputTokens + outputTokens,
    ...extras,
  };
}
