// Initial schema: responses, their items (one row each, with owner and provenance), raw upstream exchanges. Frozen.
import { type Kysely, sql } from 'kysely';
import { epochType } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('created_at', epochType(db), (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('upstream_id', 'text')
    .addColumn('previous_response_id', 'text')
    // The Response object without `output`: the output lives in `items`, stored once.
    .addColumn('response_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('responses_owner_created').on('responses').columns(['owner', 'created_at']).execute();

  await db.schema
    .createTable('items')
    .addColumn('response_id', 'text', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull()) // 'input' | 'output'
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // The provider that produced an output item: encrypted reasoning is only ever sent back to it.
    .addColumn('provider', 'text')
    .addColumn('item_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('items_pk', ['response_id', 'direction', 'position'])
    .execute();
  await db.schema.createIndex('items_owner_id').on('items').columns(['owner', 'id']).execute();

  await db.schema
    .createTable('upstream_exchanges')
    .addColumn('response_id', 'text', (c) => c.primaryKey().references('responses.id').onDelete('cascade'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    // What the request conversion could not carry to this provider (JSON array of {param, message}).
    .addColumn('warnings_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', epochType(db), (c) => c.notNull().defaultTo(sql`0`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upstream_exchanges').execute();
  await db.schema.dropTable('items').execute();
  await db.schema.dropTable('responses').execute();
}
