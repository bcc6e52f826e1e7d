// The responses table: one row per response, its JSON without `output` (the output lives in items).
import type { Insertable, Selectable } from 'kysely';

export const RESPONSES_TABLE = 'responses';

export interface ResponsesTable {
  id: string;
  owner: string;
  created_at: number;
  /** The response's status, also inside response_json: queued and in_progress only while a background run goes on. */
  status: string;
  model: string;
  provider: string;
  upstream_id: string | null;
  previous_response_id: string | null;
  /** The Response object without `output`. */
  response_json: string;
  /** The X-Request-Id of the request that created it (migration 0006); null for older rows. */
  request_id: string | null;
}

export type ResponseRow = Selectable<ResponsesTable>;
export type NewResponseRow = Insertable<ResponsesTable>;
