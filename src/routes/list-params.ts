// Query parameters shared by the list endpoints (limit 1–100, default 20; order, default desc; after cursor).
import { z } from 'zod';
import { toValidationError } from '../pipeline/request-schema.js';
import type { ListOptions } from '../store/responses-repository.js';
import type { ResponseItem } from '../../transformers/responses-types.js';

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

/** An input item as the API lists it: a message always has `type` and content parts, as OpenAI shows it. */
export function toListedItem(item: ResponseItem): ResponseItem {
  if ((item.type === undefined || item.type === null || item.type === 'message') && typeof item.role === 'string') {
    const content =
      typeof item.content === 'string'
        ? [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content, ...(item.role === 'assistant' ? { annotations: [] } : {}) }]
        : item.content;
    return { ...item, type: 'message', content, status: item.status ?? 'completed' };
  }
  return item;
}
