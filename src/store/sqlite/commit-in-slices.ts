// Commits one large record (a Codex history of 45 MB) on a connection of its own, a slice of its rows per turn of the event loop, so that writing it never holds the loop for long.
import SQLite from 'better-sqlite3';
import { prepareStatements, writeRow, type PreparedStatements, type StoredWrite } from './write-statements.js';

export interface SlicedCommitter {
  /** 'locked': another connection holds the write lock, nothing was written; throws when a row cannot be written (all rolled back). */
  commit(record: StoredWrite): Promise<'committed' | 'locked'>;
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
  let opened: { db: SQLite.Database; statements: PreparedStatements } | undefined;
  const open = () => {
    if (opened) return opened;
    // No busy timeout: a lock held elsewhere is waited for by the writer, off the event loop.
    const db = new SQLite(path, { timeout: 0 });
    // Per-connection settings, as on the main connection (open-database.ts): no fsync inside the commit (the
    // writer fsyncs the WAL off the event loop), and no checkpoint by the committing connection.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 0');
    opened = { db, statements: prepareStatements(db) };
    return opened;
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  return {
    async commit(record) {
      const { db, statements } = open();
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY')) return 'locked';
        throw err;
      }
      try {
        let chars = 0;
        for (const [statement, params, rowChars] of record.rows) {
          // A turn of the event loop before a row that would take the slice past its size (a large exchange).
          if (chars > 0 && chars + rowChars > sliceChars) {
            chars = 0;
            await nextTurn();
          }
          writeRow(statements, [statement, params, rowChars]);
          chars += rowChars;
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
