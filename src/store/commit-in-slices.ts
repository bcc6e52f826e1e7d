// Commits one large record (a Codex history of 45 MB) on a connection of its own, a slice of its rows per turn of the event loop, so that writing it never holds the loop for long.
import SQLite from 'better-sqlite3';
import type { StoredRecord } from './response-writer.js';

/** The writer's three inserts; both connections prepare the same text. */
export const INSERT_SQL = {
  response: `INSERT INTO responses (id, owner, created_at, status, model, provider, upstream_id, previous_response_id, response_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  item: 'INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  // A stream's raw body (and a large request body) arrives as bytes: SQLite stores a BLOB cast to TEXT as the
  // same UTF-8 bytes, so it is never joined and re-encoded in JavaScript. Text stays text.
  exchange: `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES (?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?)`,
} as const;

export interface SlicedCommitter {
  /** 'locked': another connection holds the write lock, nothing was written; throws when a row cannot be written (all rolled back). */
  commit(record: StoredRecord): Promise<'committed' | 'locked'>;
  close(): void;
}

/**
 * One transaction, held open across turns of the event loop: nothing of it is visible before COMMIT, and a
 * crash before it leaves nothing. It runs on a second connection because the main one serves Kysely's reads
 * (which would see the open transaction's rows) and its own transactions (a DELETE) in between. The writer
 * sends one record at a time here and holds its other commits meanwhile, so the two connections never wait
 * for each other. The connection is opened on first use: most gateways never store a record this large.
 */
export function slicedCommitter(path: string, sliceChars: number): SlicedCommitter {
  let opened: { db: SQLite.Database; response: SQLite.Statement; item: SQLite.Statement; exchange: SQLite.Statement } | undefined;
  const open = () => {
    if (opened) return opened;
    // No busy timeout: a lock held elsewhere is waited for by the writer, off the event loop.
    const db = new SQLite(path, { timeout: 0 });
    // Per-connection settings, as on the main connection (open-database.ts): no fsync inside the commit (the
    // writer fsyncs the WAL off the event loop), and no checkpoint by the committing connection.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 0');
    opened = { db, response: db.prepare(INSERT_SQL.response), item: db.prepare(INSERT_SQL.item), exchange: db.prepare(INSERT_SQL.exchange) };
    return opened;
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  return {
    async commit(record) {
      const { db, response, item, exchange } = open();
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY')) return 'locked';
        throw err;
      }
      try {
        response.run(record.responseRow);
        let chars = 0;
        for (const row of record.itemRows) {
          item.run(row);
          chars += (row[7] as string).length;
          if (chars >= sliceChars) {
            chars = 0;
            await nextTurn();
          }
        }
        if (record.exchangeRow) {
          await nextTurn();
          exchange.run(record.exchangeRow);
        }
        db.exec('COMMIT');
        return 'committed';
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    },
    close() {
      opened?.db.close();
      opened = undefined;
    },
  };
}
