// The webhook_deliveries table: the outbox of webhook notices, one row per event and endpoint until it is delivered.
import type { Selectable } from 'kysely';

export const WEBHOOK_DELIVERIES_TABLE = 'webhook_deliveries';

export interface WebhookDeliveriesTable {
  /** The event's id (`evt_…`), the same for every endpoint and on every attempt. */
  event_id: string;
  /** The endpoint's URL, as configured. */
  endpoint: string;
  response_id: string;
  type: string;
  /** The exact body sent (signed as is, never serialised again). */
  payload_json: string;
  /** When the response ended (ms since the epoch): retries stop `retry_max_age_h` after it. */
  created_at: number;
  /** `pending` until delivered (the row is then deleted), `failed` once given up. */
  state: 'pending' | 'failed';
  attempts: number;
  /** ms since the epoch. */
  next_attempt_at: number;
  /** Set while a delivery loop holds the row (claimed, being posted); another takes it only once lease_until has passed. */
  lease_token: string | null;
  lease_until: number | null;
  /** The last attempt's status or error. */
  last_error: string | null;
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
