// Reads the webhook outbox: the rows a claim leased, and the counts the delivery loop logs and sleeps by.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { WebhookDelivery, WebhookOutboxStats } from '../response-store.js';
import type { Database } from '../schema/index.js';

export const newLeaseToken = () => randomUUID();

/** The rows a claim leased under `token`, soonest first. */
export async function leasedWebhookDeliveries(db: Kysely<Database>, token: string): Promise<WebhookDelivery[]> {
  const rows = await db.selectFrom('webhook_deliveries').selectAll().where('lease_token', '=', token).orderBy('next_attempt_at').execute();
  return rows.map((row) => ({
    eventId: row.event_id,
    endpoint: row.endpoint,
    responseId: row.response_id,
    type: row.type,
    payload: row.payload_json,
    createdAt: row.created_at,
    attempts: row.attempts,
    leaseToken: token,
  }));
}

export async function webhookOutboxStats(db: Kysely<Database>, endpoints: string[]): Promise<WebhookOutboxStats> {
  const counts = await db
    .selectFrom('webhook_deliveries')
    .select(['state', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('state')
    .execute();
  // A leased row is next due when its lease runs out (if it is not settled before). CASE, not SQLite's
  // two-argument max(): the same on PostgreSQL.
  const next =
    endpoints.length === 0
      ? undefined
      : await db
          .selectFrom('webhook_deliveries')
          .select(sql<number | null>`min(CASE WHEN coalesce(lease_until, 0) > next_attempt_at THEN lease_until ELSE next_attempt_at END)`.as('at'))
          .where('state', '=', 'pending')
          .where('endpoint', 'in', endpoints)
          .executeTakeFirst();
  const count = (state: string) => Number(counts.find((row) => row.state === state)?.count ?? 0);
  return { pending: count('pending'), failed: count('failed'), nextAttemptAt: next?.at ?? null };
}
