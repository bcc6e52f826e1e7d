// Background runs are held under a lease: the instance running one renews it, another takes the run over when it lapses; a cancel may be asked for from any instance. Frozen.
import type { Kysely } from 'kysely';
import { epochType } from './dialect-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A run stored before this migration has no lease: it counts as lapsed (the next start or sweep takes it).
  await db.schema.alterTable('runs').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('runs').addColumn('lease_token', 'text').execute();
  // ms since the epoch.
  await db.schema.alterTable('runs').addColumn('lease_until', epochType(db)).execute();
  await db.schema.alterTable('runs').addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['cancel_requested', 'lease_until', 'lease_token', 'lease_owner']) await db.schema.alterTable('runs').dropColumn(column).execute();
}
