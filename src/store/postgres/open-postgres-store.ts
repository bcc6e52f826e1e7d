// Opens the PostgreSQL database behind `database.url` (a pool through `pg`), brings its schema up to date, and returns it as a ResponseStore.
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../../migrations/index.js';
import type { ResponseStore } from '../response-store.js';
import type { Database } from '../schema/index.js';
import type { DatabaseOptions } from '../sqlite/open-database.js';
import { createPostgresStore } from './create-postgres-store.js';

/** Connections in the pool when `database.pool_size` is not set. */
export const DEFAULT_POOL_SIZE = 10;

/** A bigint (the epoch columns, counts) is read as a number: every one the store keeps is far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The pool's settings. A response acknowledged is committed: whatever the server's or the URL's default, each
 * session sets `synchronous_commit = on`, last. Other options the URL sets (`?options=-c search_path=junction`)
 * are kept; they are taken out of the URL, since pg lets a URL's options replace the ones given beside it.
 */
export function postgresPoolConfig(url: string, max: number): pg.PoolConfig {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), max, options: [options, '-c synchronous_commit=on'].filter(Boolean).join(' '), types };
}

export async function openPostgresStore(
  { url, pool_size: poolSize, onCommit }: DatabaseOptions,
  onError: (message: string) => void = () => undefined,
): Promise<ResponseStore> {
  const pool = new pg.Pool(postgresPoolConfig(url, poolSize ?? DEFAULT_POOL_SIZE));
  // A connection that breaks while idle in the pool is reported here (unhandled, it would end the process).
  pool.on('error', (error) => onError(`PostgreSQL connection failed while idle: ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // The migrations' own tables go in the schema the store's tables go in (the search_path's first): Kysely
  // would otherwise take another schema's for this one's.
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: rows[0]?.schema ?? undefined });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
  return createPostgresStore({ db, pool, onCommit });
}
