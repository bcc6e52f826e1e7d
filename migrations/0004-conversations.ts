// Conversations: one row each, and their items as rows in order (a response's items by reference, items added directly with their JSON). Frozen.
import type { Kysely } from 'kysely';
import { epochType } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('created_at', epochType(db), (c) => c.notNull())
    // Its last change: created, metadata updated, or items added (by a response or directly).
    .addColumn('updated_at', epochType(db), (c) => c.notNull())
    .addColumn('metadata_json', 'text', (c) => c.notNull())
    .execute();
  // Retention finds the conversations idle longest, and the oldest responses, without reading the others.
  await db.schema.createIndex('conversations_updated').on('conversations').columns(['updated_at']).execute();
  await db.schema.createIndex('responses_created').on('responses').columns(['created_at']).execute();

  // A conversation's items in order. An item a response appended is stored once, in `items`: this row names it
  // (response_id, direction, item_position) and has no JSON. An item added directly, or one whose response was
  // deleted since, belongs to no response and carries its JSON and provenance here.
  await db.schema
    .createTable('conversation_items')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('response_id', 'text')
    .addColumn('direction', 'text')
    .addColumn('item_position', 'integer')
    .addColumn('provider', 'text')
    .addColumn('item_json', 'text')
    .addColumn('created_at', epochType(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_items_pk', ['conversation_id', 'position'])
    .execute();
  await db.schema.createIndex('conversation_items_id').on('conversation_items').columns(['conversation_id', 'id']).execute();
  // Deleting a response detaches its items from conversations (they keep their JSON): found by response.
  await db.schema.createIndex('conversation_items_response').on('conversation_items').columns(['response_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('conversation_items').execute();
  await db.schema.dropTable('conversations').execute();
  await db.schema.dropIndex('responses_created').execute();
}
