// What the frozen migrations ask of the database they run on: SQLite's schema stays exactly as first written, PostgreSQL gets the types it needs.
import { type Kysely, PostgresAdapter } from 'kysely';

export function onPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A time since the epoch (seconds, or ms for the webhook outbox). SQLite's `integer` holds 64 bits; PostgreSQL's
 * holds 32, which ms overflow today and seconds in 2038: there it is a `bigint` (read back as a number).
 */
export function epochType(db: Kysely<unknown>): 'integer' | 'bigint' {
  return onPostgres(db) ? 'bigint' : 'integer';
}
