// Opens the database named by `database.url` and brings its schema up to date before anything is served.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../migrations/index.js';
import { cacheStatements } from './cache-statements.js';
import type { Database } from './schema.js';
import { inTransaction, type BatchExecutor } from './response-writer.js';
import { startWriteWorker, type WriteWorker } from './start-write-worker.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  /** Where the response writer's batches run: the writer thread for a file, this connection in memory. */
  writeBatch: BatchExecutor;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  synchronous: 'full' | 'normal';
}

export async function openDatabase({ url, synchronous }: DatabaseOptions): Promise<OpenedDatabase> {
  if (!url.startsWith('sqlite:')) {
    throw new Error(`database.url: only sqlite: URLs are supported so far (got "${url.split(':')[0]}:")`);
  }
  const file = url.slice('sqlite:'.length);
  const path = file === ':memory:' ? file : resolve(file);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // FULL (the default): a response the client saw complete survives a power cut, not only a crash. Writes
  // are grouped into one transaction per event-loop turn, so the fsync is paid once per batch.
  sqlite.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Writes of responses go through the writer thread, whose connection also checkpoints the WAL; this
  // connection (reads, the odd delete) never checkpoints, so it never stalls on one.
  if (path !== ':memory:') sqlite.pragma('wal_autocheckpoint = 0');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheStatements(sqlite) }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
  // Started after migrating, so that its connection sees the final schema.
  const writer: WriteWorker | undefined = path === ':memory:' ? undefined : startWriteWorker(path, synchronous);
  return {
    db,
    writeBatch: writer ? (queries) => writer.run(queries) : inTransaction(db),
    async close() {
      await writer?.stop();
      await db.destroy();
    },
  };
}
