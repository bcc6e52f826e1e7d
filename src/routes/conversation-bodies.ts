// The client's bodies on /v1/conversations: metadata (16 pairs, keys ≤ 64, values ≤ 512 characters) and items (at most 20), as OpenAI checks them.
import { z } from 'zod';
import { invalidRequest } from '../errors/gateway-error.js';
import { toValidationError } from '../pipeline/request-schema.js';
import type { ResponseItem } from '../../transformers/responses-types.js';

const MAX_METADATA_PAIRS = 16;
const MAX_ITEMS = 20;

const metadataSchema = z
  .record(z.string().max(64, 'keys must be at most 64 characters'), z.string({ error: 'values must be strings' }).max(512, 'values must be at most 512 characters'), {
    error: 'expected an object of string values',
  })
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_PAIRS, `must have at most ${MAX_METADATA_PAIRS} key-value pairs`);

const itemsSchema = z.array(z.unknown(), { error: 'expected an array of items' }).max(MAX_ITEMS, `must have at most ${MAX_ITEMS} items`);

const createSchema = z.looseObject({ metadata: metadataSchema.nullable().optional(), items: itemsSchema.nullable().optional() });
const updateSchema = z.looseObject({ metadata: metadataSchema.nullable() });
const addItemsSchema = z.looseObject({ items: itemsSchema.min(1, 'must have at least 1 item') });

export interface ConversationCreateBody {
  metadata: Record<string, string>;
  items: ResponseItem[];
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest(null, 'The request body must be a JSON object.');
  const result = schema.safeParse(body);
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}

/** Every item is an object with a `type`, or a `role` (a message), or an `id` (a reference). */
function checkItems(items: unknown[]): ResponseItem[] {
  items.forEach((item, i) => {
    const ok = typeof item === 'object' && item !== null && !Array.isArray(item);
    const fields = item as Record<string, unknown>;
    if (!ok || (typeof fields.type !== 'string' && typeof fields.role !== 'string' && typeof fields.id !== 'string')) {
      throw invalidRequest(`items[${i}]`, `Invalid value for 'items[${i}]': an item needs a \`type\` (or a \`role\` for a message).`, 'invalid_value');
    }
  });
  return items as ResponseItem[];
}

export function parseConversationCreate(body: unknown): ConversationCreateBody {
  const { metadata, items } = parse(createSchema, body);
  return { metadata: metadata ?? {}, items: checkItems(items ?? []) };
}

export function parseConversationUpdate(body: unknown): Record<string, string> {
  const { metadata } = parse(updateSchema, body);
  return metadata ?? {};
}

export function parseConversationItems(body: unknown): ResponseItem[] {
  return checkItems(parse(addItemsSchema, body).items);
}
