// Folds streamed reasoning_details fragments into whole details, the shape OpenRouter wants back on the next turn.
import type { JsonObject } from '../responses-types.js';

// Streamed details arrive in fragments that share `type` and `index` (Anthropic: an opening fragment with empty
// text and signature, text pieces, then a fragment carrying only the signature). Sending the fragments back as
// separate details would split one thinking block into many and break its signature, so they are merged:
// `text`/`summary` are concatenated, any other field takes its latest non-empty value.
const APPENDED_FIELDS = new Set(['text', 'summary']);

/** Returns `details` with `fragments` merged in (a new array; the inputs are not changed). */
export function mergeReasoningDetails(details: JsonObject[], fragments: JsonObject[]): JsonObject[] {
  const merged = details.map((detail) => ({ ...detail }));
  for (const fragment of fragments) {
    const target = typeof fragment.index === 'number' ? findDetail(merged, fragment.type, fragment.index) : undefined;
    if (target === undefined) {
      merged.push({ ...fragment });
      continue;
    }
    for (const [key, value] of Object.entries(fragment)) {
      if (APPENDED_FIELDS.has(key) && typeof value === 'string') {
        const previous = target[key];
        target[key] = (typeof previous === 'string' ? previous : '') + value;
      } else if (value !== null && value !== undefined && value !== '') {
        target[key] = value;
      } else if (!(key in target)) {
        target[key] = value;
      }
    }
  }
  return merged;
}

function findDetail(details: JsonObject[], type: unknown, index: number): JsonObject | undefined {
  return details.find((detail) => detail.type === type && detail.index === index);
}

/** The human-readable reasoning a fragment carries (`reasoning.text` text, `reasoning.summary` summary), if any. */
export function readableReasoning(fragment: JsonObject): string | undefined {
  if (fragment.type === 'reasoning.text' && typeof fragment.text === 'string') return fragment.text;
  if (fragment.type === 'reasoning.summary' && typeof fragment.summary === 'string') return fragment.summary;
  return undefined;
}
