// The writer's statements, as SQL text both of its connections prepare, and a write as the rows it runs them with.
import type BetterSqlite3 from 'better-sqlite3';

/** Positional parameters, in the order of each statement's `?`s. */
export const WRITE_SQL = {
  insertResponse: `INSERT INTO responses (id, owner, created_at, status, model, provider, upstream_id, previous_response_id, response_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertItem: 'INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  // A stream's raw body (and a large request body) arrives as bytes: SQLite stores a BLOB cast to TEXT as the
  // same UTF-8 bytes, so it is never joined and re-encoded in JavaScript. Text stays text.
  insertExchange: `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES (?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?)`,
  insertRun: 'INSERT INTO runs (response_id, owner, request_json, created_at) VALUES (?, ?, ?, ?)',
  updateResponse: 'UPDATE responses SET status = ?, response_json = ? WHERE id = ?',
  finishResponse: 'UPDATE responses SET status = ?, response_json = ?, upstream_id = ? WHERE id = ?',
  insertEvent: 'INSERT INTO response_events (response_id, sequence_number, type, event_json) VALUES (?, ?, ?, ?)',
  deleteRun: 'DELETE FROM runs WHERE response_id = ?',
  deleteEvents: 'DELETE FROM response_events WHERE response_id = ?',
  requeueResponse: `UPDATE responses SET status = 'queued', response_json = json_set(response_json, '$.status', 'queued') WHERE id = ?`,
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
