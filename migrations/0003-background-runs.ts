// Background runs: the request a run was started with (kept while it goes on) and its numbered event log. Frozen.
import { type Kysely, sql } from 'kysely';
import { epochType, onPostgres } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per run still going on (deleted when it ends): restart recovery reads every row, oldest first.
  await db.schema
    .createTable('runs')
    .addColumn('response_id', 'text', (c) => c.primaryKey().references('responses.id').onDelete('cascade'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('request_json', 'text', (c) => c.notNull())
    .addColumn('created_at', epochType(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_created').on('runs').columns(['created_at']).execute();

  // Clustered by (response, sequence number): a resumed stream reads one contiguous range, and the highest
  // number and the output events of a run are found within its own rows.
  await db.schema
    .createTable('response_events')
    .addColumn('response_id', 'text', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('sequence_number', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('event_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('response_events_pk', ['response_id', 'sequence_number'])
    // SQLite only (PostgreSQL has no rowid to do without).
    .$call((table) => (onPostgres(db) ? table : table.modifyEnd(sql`without rowid`)))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('response_events').execute();
  await db.schema.dropTable('runs').execute();
}
