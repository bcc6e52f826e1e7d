// Reads conversations and their items (Kysely, on the writer's connection); every lookup is scoped to the owning key.
import type { Kysely } from 'kysely';
import type { ResponseItem } from '../../../transformers/responses-types.js';
import type { ConversationObject, HistoryItem, ItemPage, ListOptions } from '../response-store.js';
import type { Database } from '../schema/index.js';

export async function getConversation(db: Kysely<Database>, owner: string, id: string): Promise<ConversationObject | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select(['id', 'created_at', 'metadata_json'])
    .where('id', '=', id)
    .where('owner', '=', owner)
    .executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, object: 'conversation', created_at: row.created_at, metadata: JSON.parse(row.metadata_json) as Record<string, string> };
}

/** A conversation's item rows, each with its JSON and provenance: its own (added directly) or its response's. */
function itemRows(db: Kysely<Database>, conversationId: string) {
  return db
    .selectFrom('conversation_items as ci')
    .leftJoin('items as i', (join) =>
      join.onRef('i.response_id', '=', 'ci.response_id').onRef('i.direction', '=', 'ci.direction').onRef('i.position', '=', 'ci.item_position'),
    )
    .select((eb) => [
      'ci.id as id',
      'ci.position as position',
      eb.fn.coalesce('ci.item_json', 'i.item_json').as('item_json'),
      eb.fn.coalesce('ci.provider', 'i.provider').as('provider'),
      eb.fn.coalesce('ci.direction', 'i.direction').as('direction'),
    ])
    .where('ci.conversation_id', '=', conversationId);
}

const listed = (row: { id: string; item_json: string | null }): ResponseItem => ({ ...(JSON.parse(row.item_json ?? '{}') as ResponseItem), id: row.id });

export async function listConversationItems(
  db: Kysely<Database>,
  owner: string,
  id: string,
  { limit, order, after }: ListOptions,
): Promise<ItemPage | undefined> {
  if (!(await getConversation(db, owner, id))) return undefined;
  let query = itemRows(db, id);
  if (after !== undefined) {
    const cursor = await db
      .selectFrom('conversation_items')
      .select('position')
      .where('conversation_id', '=', id)
      .where('id', '=', after)
      .orderBy('position', 'desc')
      .executeTakeFirst();
    if (!cursor) return { items: [], hasMore: false };
    query = query.where('ci.position', order === 'asc' ? '>' : '<', cursor.position);
  }
  const rows = await query.orderBy('ci.position', order).limit(limit + 1).execute();
  return { items: rows.slice(0, limit).map(listed), hasMore: rows.length > limit };
}

export async function getConversationItem(db: Kysely<Database>, owner: string, id: string, itemId: string): Promise<ResponseItem | undefined> {
  if (!(await getConversation(db, owner, id))) return undefined;
  const row = await itemRows(db, id).where('ci.id', '=', itemId).orderBy('ci.position', 'desc').executeTakeFirst();
  return row ? listed(row) : undefined;
}

export async function hasConversationItem(db: Kysely<Database>, owner: string, id: string, itemId: string): Promise<boolean> {
  const row = await db
    .selectFrom('conversation_items')
    .select('position')
    .where('conversation_id', '=', id)
    .where('owner', '=', owner)
    .where('id', '=', itemId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Every item of a conversation, oldest first, with its provenance; undefined when it is not the owner's. */
export async function loadConversation(db: Kysely<Database>, owner: string, id: string): Promise<HistoryItem[] | undefined> {
  if (!(await getConversation(db, owner, id))) return undefined;
  const rows = await itemRows(db, id).orderBy('ci.position', 'asc').execute();
  return rows.map((row) => ({ item: listed(row), direction: row.direction ?? 'input', provider: row.provider }));
}

/** The oldest finished responses and the longest idle conversations past their cutoffs, up to `limit` of each. */
export async function expiredIds(
  db: Kysely<Database>,
  cutoffs: { responsesBefore?: number; conversationsBefore?: number },
  limit: number,
): Promise<{ responses: string[]; conversations: string[] }> {
  const responses =
    cutoffs.responsesBefore === undefined
      ? []
      : await db
          .selectFrom('responses')
          .select('id')
          .where('created_at', '<', cutoffs.responsesBefore)
          .where('status', 'not in', ['queued', 'in_progress'])
          .orderBy('created_at')
          .limit(limit)
          .execute();
  const conversations =
    cutoffs.conversationsBefore === undefined
      ? []
      : await db.selectFrom('conversations').select('id').where('updated_at', '<', cutoffs.conversationsBefore).orderBy('updated_at').limit(limit).execute();
  return { responses: responses.map((r) => r.id), conversations: conversations.map((c) => c.id) };
}
