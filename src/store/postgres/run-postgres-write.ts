// Runs the store's writes (the statement rows SQLite's writer runs too) in one PostgreSQL transaction, again whole when PostgreSQL breaks a deadlock.
import type pg from 'pg';
import { RunLeaseLost } from '../run-lease-lost.js';
import type { StatementName, StoredRow, StoredWrite } from '../sqlite/write-statements.js';
import { MULTI_ROW_INSERTS, POSTGRES_SQL } from './postgres-statements.js';

/** Runs first inside the transaction: false rolls it back and the write resolves false (e.g. the owner's check of a delete). */
export type WriteGuard = (client: pg.PoolClient) => Promise<boolean>;

/** deadlock_detected, serialization_failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/** The parameter that names the conversation a row writes to: the transaction locks that conversation's row first. */
const CONVERSATION_PARAM: Partial<Record<StatementName, number>> = {
  insertConversationItem: 0,
  appendResponseToConversation: 2,
  touchConversation: 1,
  updateConversation: 2,
  deleteConversationItems: 0,
  deleteConversationItem: 0,
  deleteConversation: 0,
};

/** Past this many parameters a multi-row INSERT is cut (PostgreSQL takes at most 65,535 in one statement). */
const MAX_PARAMS = 30_000;

export async function runPostgresWrite(pool: pg.Pool, writes: StoredWrite[], guard?: WriteGuard): Promise<boolean> {
  const rows = writes.flatMap((write) => write.rows);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      if (guard && !(await guard(client))) {
        await client.query('ROLLBACK');
        return false;
      }
      await lockConversations(client, rows);
      await runRows(client, rows);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      // A failed ROLLBACK means the connection itself is gone: it is dropped from the pool, not reused.
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      const code = (error as { code?: string }).code;
      if (code !== undefined && RETRYABLE.has(code) && attempt < ATTEMPTS) continue;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/**
 * Appends to a conversation take its next positions from its last item: the conversation's row is locked first
 * (in id order, so that two writes never wait on each other), and appends to one conversation go one at a time.
 */
async function lockConversations(client: pg.PoolClient, rows: StoredRow[]): Promise<void> {
  const ids = new Set<string>();
  for (const [name, params] of rows) {
    const at = CONVERSATION_PARAM[name];
    if (at !== undefined) ids.add(params[at] as string);
  }
  if (ids.size === 0) return;
  await client.query('SELECT id FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...ids].sort()]);
}

async function runRows(client: pg.PoolClient, rows: StoredRow[]): Promise<void> {
  for (let i = 0; i < rows.length; ) {
    const [name, params] = rows[i]!;
    if (MULTI_ROW_INSERTS.has(name)) {
      // Consecutive rows of one plain INSERT (a response's items, a run's events) go in one statement.
      let end = i + 1;
      while (end < rows.length && rows[end]![0] === name && (end - i + 1) * params.length <= MAX_PARAMS) end++;
      await insertRows(client, name, rows.slice(i, end));
      i = end;
      continue;
    }
    if (name === 'checkRunLease') {
      if ((await client.query(POSTGRES_SQL.checkRunLease, params)).rowCount === 0) throw new RunLeaseLost(params[0] as string);
    } else if (name === 'requeueResponse') await requeueResponse(client, params[0] as string);
    else await client.query(POSTGRES_SQL[name], paramsOf(name, params));
    i++;
  }
}

async function insertRows(client: pg.PoolClient, name: StatementName, rows: StoredRow[]): Promise<void> {
  const text = POSTGRES_SQL[name];
  const head = text.slice(0, text.indexOf('VALUES') + 'VALUES'.length);
  const width = rows[0]![1].length;
  const groups = rows.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
  await client.query(`${head} ${groups.join(', ')}`, rows.flatMap(([, params]) => paramsOf(name, params)));
}

const paramsOf = (name: StatementName, params: unknown[]): unknown[] => (name === 'insertExchange' ? params.map(asText) : params);

/** The response's stored JSON with `status` set, its key order kept (as SQLite's json_set keeps it). */
async function requeueResponse(client: pg.PoolClient, id: string): Promise<void> {
  const { rows } = await client.query<{ response_json: string }>('SELECT response_json FROM responses WHERE id = $1 FOR UPDATE', [id]);
  if (rows.length === 0) return;
  const response = JSON.parse(rows[0]!.response_json) as Record<string, unknown>;
  response.status = 'queued';
  await client.query(POSTGRES_SQL.requeueResponse, [id, JSON.stringify(response)]);
}

/**
 * An exchange's raw bodies as text: bytes are decoded as UTF-8 (SQLite stores the same bytes as text), and a
 * NUL, which PostgreSQL's text cannot hold, becomes U+FFFD (the bodies are kept for debugging, not replayed).
 */
export function asText(value: unknown): unknown {
  const text = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') : value;
  return typeof text === 'string' && text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
