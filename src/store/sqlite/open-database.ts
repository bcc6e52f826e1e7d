// Opens the SQLite database named by `database.url`, brings its schema up to date, and starts its writer and checkpointer.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../../migrations/index.js';
import { cacheStatements } from './cache-statements.js';
import { createResponseWriter, type ResponseWriter } from './response-writer.js';
import type { Database } from '../schema/index.js';
import { startCheckpointer, type Checkpointer } from './start-checkpointer.js';

export interface OpenedDatabase {
  /** Kysely: migrations and reads. */
  db: Kysely<Database>;
  /** The same connection, for the response writer's prepared inserts. */
  sqlite: SQLite.Database;
  /** The file the writer fsyncs after each commit, when `synchronous` is `full` and the database is a file. */
  syncFile: string | undefined;
  /** The writer of every store write on this connection; the checkpointer holds its commits when it catches up. */
  writer: ResponseWriter;
  /** Flushes the writer, then closes. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  /** SQLite only: PostgreSQL always commits synchronously. */
  synchronous: 'full' | 'normal';
  /** Told each commit's duration (its transaction and fsync), in ms: the metrics' store commit latency. */
  onCommit?: (ms: number) => void;
  /** PostgreSQL only: the connections the pool may open. */
  pool_size?: number;
}

export async function openDatabase(
  { url, synchronous, onCommit }: DatabaseOptions,
  onError: (message: string) => void = () => undefined,
  /** Told when stored responses start and stop waiting for a write lock another process holds. */
  onWarning: (message: string) => void = () => undefined,
): Promise<OpenedDatabase> {
  // open-store.ts picks this implementation for sqlite: URLs only.
  if (!url.startsWith('sqlite:')) throw new Error(`not a sqlite: URL: ${url.split(':')[0]}:`);
  const file = url.slice('sqlite:'.length);
  const path = file === ':memory:' ? file : resolve(file);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // Commits write the WAL without an fsync inside SQLite, which would block the event loop. With
  // `synchronous: full` (the default) the response writer fsyncs the WAL itself, on libuv's thread pool,
  // before any client is told its response is complete: the same guarantee as SQLite's FULL (it survives a
  // power cut), without the wait on the event loop. Checkpoints still fsync both files (in their thread).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Start-up (the migrations) may wait for another process's lock; the writer then sets it to 0, so that
  // nothing waits for a lock on the event loop (see response-writer.ts).
  sqlite.pragma('busy_timeout = 5000');
  // This connection never truncates the WAL when it starts it over (on the event loop, cutting back a grown WAL
  // took 612 ms for 790 MB): the checkpointer thread cuts a grown WAL back in steps, during short holds.
  sqlite.pragma('journal_size_limit = -1');
  // Commits only append to the WAL; the checkpointer thread folds it into the database file while writes come.
  if (path !== ':memory:') sqlite.pragma('wal_autocheckpoint = 0');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheStatements(sqlite) }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
  const syncFile = synchronous === 'full' && path !== ':memory:' ? `${path}-wal` : undefined;
  const writer = createResponseWriter(sqlite, {
    syncFile,
    onCommit,
    onLockWait: (event) =>
      event.state === 'waiting'
        ? onWarning('the database is locked by another connection: stored responses wait for it (the event loop does not)')
        : event.gaveUp
          ? onError(`the database stayed locked by another connection for ${event.waitedMs} ms: the responses waiting for it failed`)
          : onWarning(`the database lock was released after ${event.waitedMs} ms: stored responses go on`),
  });
  let checkpointer: Checkpointer | undefined;
  if (path !== ':memory:') {
    // Start-up (the migrations, or the last run's tail) leaves nothing in the WAL: no checkpointer thread
    // runs until the first write.
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    checkpointer = startCheckpointer(path, (message) => onError(`WAL checkpoint failed: ${message}`), { pauseWrites: () => writer.pause() });
  }
  return {
    db,
    sqlite,
    syncFile,
    writer,
    async close() {
      await writer.close();
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}
