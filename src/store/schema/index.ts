// The store's tables as Kysely sees them: one file per table, gathered into the Database type.
import { CONVERSATION_ITEMS_TABLE, type ConversationItemsTable } from './conversation-items-table.js';
import { CONVERSATIONS_TABLE, type ConversationsTable } from './conversations-table.js';
import { ITEMS_TABLE, type ItemsTable } from './items-table.js';
import { KEY_USAGE_TABLE, type KeyUsageTable } from './key-usage-table.js';
import { RESPONSE_EVENTS_TABLE, type ResponseEventsTable } from './response-events-table.js';
import { RESPONSES_TABLE, type ResponsesTable } from './responses-table.js';
import { RUNS_TABLE, type RunsTable } from './runs-table.js';
import { UPSTREAM_EXCHANGES_TABLE, type UpstreamExchangesTable } from './upstream-exchanges-table.js';
import { WEBHOOK_DELIVERIES_TABLE, type WebhookDeliveriesTable } from './webhook-deliveries-table.js';

export interface Database {
  [RESPONSES_TABLE]: ResponsesTable;
  [ITEMS_TABLE]: ItemsTable;
  [UPSTREAM_EXCHANGES_TABLE]: UpstreamExchangesTable;
  [RUNS_TABLE]: RunsTable;
  [RESPONSE_EVENTS_TABLE]: ResponseEventsTable;
  [CONVERSATIONS_TABLE]: ConversationsTable;
  [CONVERSATION_ITEMS_TABLE]: ConversationItemsTable;
  [WEBHOOK_DELIVERIES_TABLE]: WebhookDeliveriesTable;
  /** PostgreSQL only (migration 0008). */
  [KEY_USAGE_TABLE]: KeyUsageTable;
}

export type { ItemDirection } from './items-table.js';
