// The upstream_exchanges table: the raw upstream request and answer kept beside a response (`debug.upstream_exchanges`).
import type { Generated, Insertable, Selectable } from 'kysely';

export const UPSTREAM_EXCHANGES_TABLE = 'upstream_exchanges';

export interface UpstreamExchangesTable {
  response_id: string;
  owner: string;
  provider: string;
  url: string;
  status: number;
  request_body: string;
  response_body: string;
  /** What the request conversion could not carry to this provider (JSON array of {param, message}). */
  warnings_json: string;
  created_at: Generated<number>;
}

export type UpstreamExchangeRow = Selectable<UpstreamExchangesTable>;
export type NewUpstreamExchangeRow = Insertable<UpstreamExchangesTable>;
