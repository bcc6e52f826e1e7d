// The runs table: a background run's request, kept while the run goes on so that restart recovery can run it again, and the lease of the instance running it.
import type { Insertable, Selectable } from 'kysely';

export const RUNS_TABLE = 'runs';

export interface RunsTable {
  /** The run's response (the row lives in responses; this one is deleted when the run ends). */
  response_id: string;
  owner: string;
  /** The client's validated request body. */
  request_json: string;
  created_at: number;
  /** The gateway instance running it (null: none, e.g. a run stored before leases). */
  lease_owner: string | null;
  /** The claim that took it over last (takeOverRuns reads back the runs it leased by this). */
  lease_token: string | null;
  /** Until when (ms since the epoch) the instance holds it; past this, another instance takes it over. */
  lease_until: number | null;
  /** 1: another instance asked for it to be cancelled (its holder cancels it; a taker over ends it cancelled). */
  cancel_requested: number;
}

export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
