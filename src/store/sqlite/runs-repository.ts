// Reads background runs: a run's logged events after a sequence number, the runs left unfinished (or just taken over), and how the store sees the runs an instance holds.
import { type Kysely, sql } from 'kysely';
import type { JsonObject, ResponseObject, ResponsesEvent } from '../../../transformers/responses-types.js';
import type { RunLeaseState, UnfinishedRun } from '../response-store.js';
import type { Database } from '../schema/index.js';

/** The events that only tell a run's state: a run that logged nothing else has produced no output yet. */
const LIFECYCLE_EVENT_TYPES = ['response.created', 'response.queued', 'response.in_progress'];

/** A run's events after sequence number `after`, in order; undefined when the response is not the owner's. */
export async function readEvents(db: Kysely<Database>, owner: string, id: string, after: number): Promise<ResponsesEvent[] | undefined> {
  const exists = await db.selectFrom('responses').select('id').where('id', '=', id).where('owner', '=', owner).executeTakeFirst();
  if (!exists) return undefined;
  const rows = await db
    .selectFrom('response_events')
    .select('event_json')
    .where('response_id', '=', id)
    .where('sequence_number', '>', after)
    .orderBy('sequence_number')
    .execute();
  return rows.map((row) => JSON.parse(row.event_json) as ResponsesEvent);
}

/**
 * Runs still `queued` or `in_progress` that have their request stored, oldest first. The runs table holds
 * only runs that have not ended, so this reads a handful of rows however many responses are stored.
 */
export async function unfinishedRuns(db: Kysely<Database>, leaseToken?: string): Promise<UnfinishedRun[]> {
  const rows = await db
    .selectFrom('runs')
    .innerJoin('responses', 'responses.id', 'runs.response_id')
    .select((eb) => [
      'runs.response_id as id',
      'runs.owner as owner',
      'responses.provider as provider',
      'responses.request_id as request_id',
      'runs.request_json as request_json',
      'responses.response_json as response_json',
      eb
        .exists(
          eb
            .selectFrom('response_events')
            .select(sql.lit(1).as('one'))
            .whereRef('response_events.response_id', '=', 'runs.response_id')
            .where('response_events.type', 'not in', LIFECYCLE_EVENT_TYPES),
        )
        .as('produced_output'),
      eb
        .selectFrom('response_events')
        .select((inner) => inner.fn.max('response_events.sequence_number').as('last'))
        .whereRef('response_events.response_id', '=', 'runs.response_id')
        .as('last_sequence'),
      'runs.cancel_requested as cancel_requested',
    ])
    .where('responses.status', 'in', ['queued', 'in_progress'])
    .$if(leaseToken !== undefined, (query) => query.where('runs.lease_token', '=', leaseToken!))
    .orderBy('runs.created_at')
    .orderBy('runs.response_id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    owner: row.owner,
    provider: row.provider,
    request: JSON.parse(row.request_json) as JsonObject,
    response: { ...(JSON.parse(row.response_json) as ResponseObject), output: [] },
    producedOutput: Boolean(row.produced_output),
    lastSequence: row.last_sequence ?? -1,
    cancelRequested: row.cancel_requested === 1,
    requestId: row.request_id ?? null,
  }));
}

/** The runs among `ids` another instance has taken over, and those `instance` holds that a cancel was asked for (a run whose row is gone has ended). */
export async function runLeaseState(db: Kysely<Database>, instance: string, ids: string[]): Promise<RunLeaseState> {
  const state: RunLeaseState = { lost: [], cancelRequested: [] };
  if (ids.length === 0) return state;
  const rows = await db.selectFrom('runs').select(['response_id', 'lease_owner', 'cancel_requested']).where('response_id', 'in', ids).execute();
  for (const row of rows) {
    if (row.lease_owner !== instance) state.lost.push(row.response_id);
    else if (row.cancel_requested === 1) state.cancelRequested.push(row.response_id);
  }
  return state;
}

/** Whether the owner's run `id` goes on (its row is deleted when it ends). */
export async function hasRun(db: Kysely<Database>, owner: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('runs').select('response_id').where('response_id', '=', id).where('owner', '=', owner).executeTakeFirst();
  return row !== undefined;
}
