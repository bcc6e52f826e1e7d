// The writer's statements, as SQL text both of its connections prepare, and a write as the rows it runs them with.
import type BetterSqlite3 from 'better-sqlite3';
import { RunLeaseLost } from '../run-lease-lost.js';

/** Positional parameters, in the order of each statement's `?`s. */
export const WRITE_SQL = {
  insertResponse: `INSERT INTO responses (id, owner, created_at, status, model, provider, upstream_id, previous_response_id, response_json, request_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertItem: 'INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  // A stream's raw body (and a large request body) arrives as bytes: SQLite stores a BLOB cast to TEXT as the
  // same UTF-8 bytes, so it is never joined and re-encoded in JavaScript. Text stays text.
  insertExchange: `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES (?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?)`,
  // A run's write goes through only while its instance holds the run (the first row of the write; writeRow).
  checkRunLease: 'SELECT 1 FROM runs WHERE response_id = ? AND lease_owner = ?',
  insertRun: 'INSERT INTO runs (response_id, owner, request_json, created_at, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?)',
  // Takes over runs whose lease lapsed, oldest first, but those the taker runs (a JSON array of ids): the caller
  // then reads back the runs with its token. Parameters: instance, token, until, now, ids, limit.
  leaseRuns: `UPDATE runs SET lease_owner = ?, lease_token = ?, lease_until = ? WHERE response_id IN (
       SELECT response_id FROM runs WHERE (lease_until IS NULL OR lease_until <= ?) AND response_id NOT IN (SELECT value FROM json_each(?))
       ORDER BY created_at, response_id LIMIT ?)`,
  // Ids arrive as a JSON array. Parameters: until, instance, ids.
  renewRunLeases: 'UPDATE runs SET lease_until = ? WHERE lease_owner = ? AND response_id IN (SELECT value FROM json_each(?))',
  releaseRunLeases: 'UPDATE runs SET lease_until = 0 WHERE lease_owner = ?',
  requestRunCancel: 'UPDATE runs SET cancel_requested = 1 WHERE response_id = ? AND owner = ?',
  updateResponse: 'UPDATE responses SET status = ?, response_json = ? WHERE id = ?',
  // A background run may end on another target than the one it was created for (a fallback): the served one is kept.
  finishResponse: 'UPDATE responses SET status = ?, response_json = ?, upstream_id = ?, provider = ?, model = ? WHERE id = ?',
  insertEvent: 'INSERT INTO response_events (response_id, sequence_number, type, event_json) VALUES (?, ?, ?, ?)',
  deleteRun: 'DELETE FROM runs WHERE response_id = ?',
  deleteEvents: 'DELETE FROM response_events WHERE response_id = ?',
  requeueResponse: `UPDATE responses SET status = 'queued', response_json = json_set(response_json, '$.status', 'queued') WHERE id = ?`,
  // Retention deletes a response as deleteResponse does: its items leave the conversations they are in first.
  deleteExchange: 'DELETE FROM upstream_exchanges WHERE response_id = ?',
  deleteItems: 'DELETE FROM items WHERE response_id = ?',
  deleteResponse: 'DELETE FROM responses WHERE id = ?',
  insertConversation: 'INSERT INTO conversations (id, owner, created_at, updated_at, metadata_json) VALUES (?, ?, ?, ?, ?)',
  updateConversation: 'UPDATE conversations SET metadata_json = ?, updated_at = MAX(updated_at, ?) WHERE id = ?',
  touchConversation: 'UPDATE conversations SET updated_at = MAX(updated_at, ?) WHERE id = ?',
  deleteConversation: 'DELETE FROM conversations WHERE id = ?',
  deleteConversationItems: 'DELETE FROM conversation_items WHERE conversation_id = ?',
  deleteConversationItem: 'DELETE FROM conversation_items WHERE conversation_id = ? AND id = ?',
  // An item added directly takes the next position; a conversation deleted meanwhile gets nothing.
  // Parameters: conversation, conversation, owner, id, type, provider, item JSON, created_at, conversation.
  insertConversationItem: `INSERT INTO conversation_items (conversation_id, position, owner, id, type, provider, item_json, created_at)
     SELECT ?, COALESCE((SELECT MAX(position) FROM conversation_items WHERE conversation_id = ?), -1) + 1, ?, ?, ?, ?, ?, ?
      WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?)`,
  // A response's input then output, appended together after the conversation's last item, by reference to
  // their rows in items (stored once). One statement: nothing can come between them. The owner must match.
  // Parameters: created_at, response, conversation.
  appendResponseToConversation: `INSERT INTO conversation_items (conversation_id, position, owner, id, type, response_id, direction, item_position, created_at)
     SELECT c.id,
            COALESCE((SELECT MAX(ci.position) FROM conversation_items ci WHERE ci.conversation_id = c.id), -1)
              + ROW_NUMBER() OVER (ORDER BY i.direction, i.position),
            i.owner, i.id, i.type, i.response_id, i.direction, i.position, ?
       FROM conversations c JOIN items i ON i.response_id = ? AND i.owner = c.owner
      WHERE c.id = ?
      ORDER BY i.direction, i.position`,
  // Before a response's items go, the conversations holding them keep a copy of each (then it belongs to no
  // response; its direction stays, to tell an output from an input).
  detachResponseFromConversations: `UPDATE conversation_items SET
       item_json = (SELECT i.item_json FROM items i WHERE i.response_id = conversation_items.response_id
                       AND i.direction = conversation_items.direction AND i.position = conversation_items.item_position),
       provider = (SELECT i.provider FROM items i WHERE i.response_id = conversation_items.response_id
                       AND i.direction = conversation_items.direction AND i.position = conversation_items.item_position),
       response_id = NULL, item_position = NULL
     WHERE response_id = ?`,
  insertWebhookDelivery: `INSERT INTO webhook_deliveries (event_id, endpoint, response_id, type, payload_json, created_at, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  // A claim in one statement (inside the writer's transaction): due, unleased (or lease run out) rows of the
  // given endpoints (a JSON array) get the caller's token; the caller then reads back the rows with it.
  leaseWebhookDeliveries: `UPDATE webhook_deliveries SET lease_token = ?, lease_until = ? WHERE rowid IN (
       SELECT rowid FROM webhook_deliveries
       WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) AND endpoint IN (SELECT value FROM json_each(?))
       ORDER BY next_attempt_at LIMIT ?)`,
  deleteWebhookDelivery: 'DELETE FROM webhook_deliveries WHERE event_id = ? AND endpoint = ? AND lease_token = ?',
  rescheduleWebhookDelivery: `UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, last_error = ?, lease_token = NULL, lease_until = NULL
     WHERE event_id = ? AND endpoint = ? AND lease_token = ?`,
  failWebhookDelivery: `UPDATE webhook_deliveries SET state = 'failed', attempts = ?, last_error = ?, lease_token = NULL, lease_until = NULL
     WHERE event_id = ? AND endpoint = ? AND lease_token = ?`,
} as const;

export type StatementName = keyof typeof WRITE_SQL;

/** One statement to run: its name, its parameters, and the characters they carry (to cut large writes into slices). */
export type StoredRow = [statement: StatementName, params: unknown[], chars: number];

/** A write as its statements' parameters, serialised once: the rows run in order, in one transaction. */
export interface StoredWrite {
  rows: StoredRow[];
  /** Characters written, to cut large batches into several transactions. */
  size: number;
}

export type PreparedStatements = Record<StatementName, BetterSqlite3.Statement>;

export function prepareStatements(db: BetterSqlite3.Database): PreparedStatements {
  const prepared = {} as PreparedStatements;
  for (const name of Object.keys(WRITE_SQL) as StatementName[]) prepared[name] = db.prepare(WRITE_SQL[name]);
  return prepared;
}

/** Runs one row of a write in the open transaction; a run's lease check that finds the run held by another throws (the transaction rolls back). */
export function writeRow(statements: PreparedStatements, [statement, params]: StoredRow): void {
  if (statement !== 'checkRunLease') {
    statements[statement].run(params);
    return;
  }
  if (statements.checkRunLease.get(params) === undefined) throw new RunLeaseLost(params[0] as string);
}

/** The row that makes a run's write conditional on `holder` holding the run (none when no holder is named). */
export function leaseCheck(id: string, holder: string | undefined): StoredRow[] {
  return holder === undefined ? [] : [['checkRunLease', [id, holder], 0]];
}
