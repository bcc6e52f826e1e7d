// The SQLite store migrate-store copies from: a verified snapshot of the (possibly live) store in a temporary file, its schema brought up to date there.
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../../migrations/index.js';
import { backupDatabase, sqlitePathOf } from '../sqlite/backup-database.js';

/** Kysely's record of the migrations a store has run. */
const MIGRATION_TABLE = 'kysely_migration';

export interface SqliteSnapshot {
  /** The temporary copy to read (nobody else writes to it). */
  file: string;
  /** Migrations this build ran on the copy (the source was written by an older Junction); empty when it was up to date. */
  migrated: string[];
  /** Time taken by the snapshot and its integrity check, in ms. */
  copyMs: number;
  /** Deletes the copy. */
  remove(): void;
}

/**
 * Why a copy rather than one read transaction on the source itself: writing a large store into PostgreSQL takes
 * minutes, and a read snapshot held that long on a live store keeps its WAL from starting over (it grows by
 * everything the gateway writes meanwhile); the page copy takes seconds (about 5 s a GB). A store from an older
 * Junction is migrated on the copy, so the operator's file is only ever read, and the copy passes
 * `integrity_check` before anything reaches PostgreSQL. The price: free disk for one copy of the store in `tempDir`
 * (by default the store's own directory: /tmp is often memory).
 */
export async function snapshotSqliteStore(url: string, tempDir?: string): Promise<SqliteSnapshot> {
  const source = sqlitePathOf(url);
  if (!existsSync(source)) throw new Error(`--from: no SQLite store at ${source}`);
  await checkSchemaVersion(source);
  const file = join(resolve(tempDir ?? dirname(source)), `.${basename(source)}.migrate-store-${process.pid}`);
  const remove = () => {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  };
  try {
    const { copyMs, checkMs } = await backupDatabase(source, file);
    const migrated = await migrateCopy(file);
    return { file, migrated, copyMs: copyMs + checkMs, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Refuses, before copying anything, a file that is not a Junction store or was written by a newer Junction. */
async function checkSchemaVersion(path: string): Promise<void> {
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const hasTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(MIGRATION_TABLE);
    if (!hasTable) throw new Error(`--from: ${path} is not a Junction store (it has no ${MIGRATION_TABLE} table)`);
    const names = (db.prepare(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`).all() as { name: string }[]).map((row) => row.name);
    const unknown = names.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(`--from: the store was written by a newer Junction (migration ${unknown.join(', ')} is unknown to this one): run that version's migrate-store`);
    }
  } finally {
    db.close();
  }
}

/** Runs the migrations the copy lacks, as the gateway would at start; resolves with their names. */
async function migrateCopy(file: string): Promise<string[]> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file, { fileMustExist: true }) }) });
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`migrating the snapshot: ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
    return (results ?? []).map((r) => r.migrationName);
  } finally {
    await db.destroy();
  }
}
