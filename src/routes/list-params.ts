// Query parameters shared by the list endpoints (limit 1–100, default 20; order, default desc; after cursor).
import { z } from 'zod';
import { toValidationError } from '../pipeline/request-schema.js';
import type { ListOptions } from '../store/response-store.js';
import type { JsonObject, ResponseItem } from '../../transformers/responses-types.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).optional(),
});

export function parseListQuery(query: Record<string, string>): ListOptions {
  const result = listQuery.safeParse(query);
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}

export function listBody(items: ResponseItem[], hasMore: boolean) {
  return {
    object: 'list' as const,
    data: items,
    first_id: items[0]?.id ?? null,
    last_id: items.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}

/**
 * An input item as the API lists it, with what the spec's item resources require and clients often leave out: a
 * message has `type`, `status` and content parts (output_text with `annotations` and `logprobs`); a tool call or
 * output has `status`. Stored input is complete by definition, so the status is `completed`.
 */
export function toListedItem(item: ResponseItem): ResponseItem {
  if ((item.type === undefined || item.type === null || item.type === 'message') && typeof item.role === 'string') {
    const content =
      typeof item.content === 'string'
        ? [item.role === 'assistant' ? { type: 'output_text', text: item.content } : { type: 'input_text', text: item.content }]
        : item.content;
    const parts = Array.isArray(content)
      ? content.map((part: JsonObject) => (part?.type === 'output_text' ? { ...part, annotations: part.annotations ?? [], logprobs: part.logprobs ?? [] } : part))
      : content;
    return { ...item, type: 'message', content: parts, status: item.status ?? 'completed' };
  }
  if (typeof item.type === 'string' && /_call(_output)?$/.test(item.type) && (item.status === undefined || item.status === null)) {
    return { ...item, status: 'completed' };
  }
  return item;
}
