// The webhook outbox: one row per notice still to deliver (or given up on), written with the response's end. Frozen.
import type { Kysely } from 'kysely';
import { epochType } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A row per (event, endpoint): written in the transaction that stores the response's end, deleted once the
  // endpoint has taken it, kept `failed` when its retries are given up. No reference to responses: a notice
  // outlives a deleted response (the receiver then finds it gone).
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('response_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('created_at', epochType(db), (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', epochType(db), (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', epochType(db))
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['event_id', 'endpoint'])
    .execute();
  // The delivery loop's claim: due pending rows, soonest first.
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
}
