// Row types of the store's tables (one type per table), as Kysely sees them.
import type { Generated } from 'kysely';

export interface ResponsesTable {
  id: string;
  owner: string;
  created_at: number;
  status: string;
  model: string;
  provider: string;
  upstream_id: string | null;
  previous_response_id: string | null;
  response_json: string;
}

export type ItemDirection = 'input' | 'output';

export interface ItemsTable {
  response_id: string;
  direction: ItemDirection;
  position: number;
  owner: string;
  id: string;
  type: string;
  /**
   * The configured provider that produced the item: an output's, or the output's an input item was copied
   * from; null for what the client wrote. Encrypted reasoning is only ever sent back to it.
   */
  provider: string | null;
  item_json: string;
}

export interface UpstreamExchangesTable {
  response_id: string;
  owner: string;
  provider: string;
  url: string;
  status: number;
  request_body: string;
  response_body: string;
  warnings_json: string;
  created_at: Generated<number>;
}

export interface Database {
  responses: ResponsesTable;
  items: ItemsTable;
  upstream_exchanges: UpstreamExchangesTable;
}
