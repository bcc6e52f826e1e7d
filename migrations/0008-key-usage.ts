// Per-key usage counters the instances on one PostgreSQL database share (keys[].limits); SQLite counts in memory and gets no table. Frozen.
import type { Kysely } from 'kysely';
import { onPostgres } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One process owns a SQLite file, and its limits are counted in that process (server/key-limits.ts).
  if (!onPostgres(db)) return;
  // A row per (key, kind, window): `requests` counts a minute's requests (window_start: minutes since the
  // epoch), `tokens` a UTC day's tokens (days since the epoch). Incremented by INSERT … ON CONFLICT, which
  // locks the row: two instances cannot both take a window's last unit. Old windows are deleted as they go.
  await db.schema
    .createTable('key_usage')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_usage_pk', ['key', 'kind', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('key_usage').ifExists().execute();
}
