// The runs table: a background run's request, kept while the run goes on so that restart recovery can run it again.
import type { Insertable, Selectable } from 'kysely';

export const RUNS_TABLE = 'runs';

export interface RunsTable {
  /** The run's response (the row lives in responses; this one is deleted when the run ends). */
  response_id: string;
  owner: string;
  /** The client's validated request body. */
  request_json: string;
  created_at: number;
}

export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
