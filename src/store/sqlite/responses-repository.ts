// Reads and deletes stored responses and their items (Kysely, on the writer's connection); every lookup is scoped to the owning key.
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { ResponseItem, ResponseObject } from '../../../transformers/responses-types.js';
import type { HistoryItem, ItemPage, ListOptions } from '../response-store.js';
import type { Database, ItemDirection } from '../schema/index.js';
import { WRITE_SQL } from './write-statements.js';

export async function getResponse(db: Kysely<Database>, owner: string, id: string): Promise<ResponseObject | undefined> {
  const row = await db
    .selectFrom('responses')
    .select(['response_json'])
    .where('id', '=', id)
    .where('owner', '=', owner)
    .executeTakeFirst();
  if (!row) return undefined;
  const output = await db
    .selectFrom('items')
    .select(['item_json'])
    .where('response_id', '=', id)
    .where('direction', '=', 'output')
    .orderBy('position')
    .execute();
  const response = JSON.parse(row.response_json) as ResponseObject;
  response.output = output.map((r) => JSON.parse(r.item_json) as ResponseItem);
  return response;
}

export async function deleteResponse(db: Kysely<Database>, owner: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('responses').select('id').where('id', '=', id).where('owner', '=', owner).executeTakeFirst();
    if (!found) return false;
    // What the response appended to conversations stays there: those rows keep a copy of each item.
    await trx.executeQuery(CompiledQuery.raw(WRITE_SQL.detachResponseFromConversations, [id]));
    await trx.deleteFrom('response_events').where('response_id', '=', id).execute();
    await trx.deleteFrom('runs').where('response_id', '=', id).execute();
    await trx.deleteFrom('upstream_exchanges').where('response_id', '=', id).execute();
    await trx.deleteFrom('items').where('response_id', '=', id).execute();
    await trx.deleteFrom('responses').where('id', '=', id).execute();
    return true;
  });
}

/** Input items of one response, as the API lists them; undefined when the response is not the caller's. */
export async function listInputItems(
  db: Kysely<Database>,
  owner: string,
  responseId: string,
  { limit, order, after }: ListOptions,
): Promise<ItemPage | undefined> {
  const exists = await db.selectFrom('responses').select('id').where('id', '=', responseId).where('owner', '=', owner).executeTakeFirst();
  if (!exists) return undefined;
  let query = db
    .selectFrom('items')
    .select(['id', 'position', 'item_json'])
    .where('response_id', '=', responseId)
    .where('direction', '=', 'input');
  if (after !== undefined) {
    const cursor = await db
      .selectFrom('items')
      .select('position')
      .where('response_id', '=', responseId)
      .where('direction', '=', 'input')
      .where('id', '=', after)
      .executeTakeFirst();
    if (!cursor) return { items: [], hasMore: false };
    query = query.where('position', order === 'asc' ? '>' : '<', cursor.position);
  }
  const rows = await query.orderBy('position', order).limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return { items: page.map((r) => ({ ...(JSON.parse(r.item_json) as ResponseItem), id: r.id })), hasMore: rows.length > limit };
}

/**
 * Resolves a `previous_response_id` chain into its items, oldest response first, inputs before outputs,
 * with one recursive query (not one per link). Undefined when the head is not the caller's.
 */
export async function loadChain(db: Kysely<Database>, owner: string, headId: string): Promise<HistoryItem[] | undefined> {
  const { rows } = await sql<{ depth: number; direction: ItemDirection | null; provider: string | null; item_json: string | null }>`
    WITH RECURSIVE chain(id, prev, depth) AS (
      SELECT id, previous_response_id, 0 FROM responses WHERE id = ${headId} AND owner = ${owner}
      UNION ALL
      SELECT r.id, r.previous_response_id, chain.depth + 1
        FROM responses r JOIN chain ON r.id = chain.prev
       WHERE r.owner = ${owner}
    )
    SELECT chain.depth AS depth, i.direction AS direction, i.provider AS provider, i.item_json AS item_json
      FROM chain LEFT JOIN items i ON i.response_id = chain.id
     ORDER BY chain.depth DESC, i.direction ASC, i.position ASC
  `.execute(db);
  if (rows.length === 0) return undefined;
  const history: HistoryItem[] = [];
  for (const row of rows) {
    if (row.item_json === null || row.direction === null) continue;
    history.push({ item: JSON.parse(row.item_json) as ResponseItem, direction: row.direction, provider: row.provider });
  }
  return history;
}

/**
 * Stored items by id (for `item_reference`, and to learn who made an item a client replays), one per id:
 * the output row when there is one (the item as its provider made it, with that provider), else the newest
 * input copy.
 */
export async function findItemsById(
  db: Kysely<Database>,
  owner: string,
  ids: string[],
): Promise<Map<string, { item: ResponseItem; provider: string | null }>> {
  const found = new Map<string, { item: ResponseItem; provider: string | null }>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('items')
    .innerJoin('responses', 'responses.id', 'items.response_id')
    .select(['items.id', 'items.provider', 'items.item_json'])
    .where('items.owner', '=', owner)
    .where('items.id', 'in', ids)
    // 'output' sorts after 'input': outputs first, then the newest.
    .orderBy('items.direction', 'desc')
    .orderBy('responses.created_at', 'desc')
    .execute();
  for (const row of rows) {
    if (!found.has(row.id)) found.set(row.id, { item: { ...(JSON.parse(row.item_json) as ResponseItem), id: row.id }, provider: row.provider });
  }
  return found;
}
