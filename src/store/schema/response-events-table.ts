// The response_events table: a background run's numbered event log, replayed to clients that resume its stream.
import type { Insertable, Selectable } from 'kysely';

export const RESPONSE_EVENTS_TABLE = 'response_events';

export interface ResponseEventsTable {
  response_id: string;
  sequence_number: number;
  /** The event's type, apart from its JSON: restart recovery asks whether any output event was logged. */
  type: string;
  /** The event as sent to clients (it carries its own sequence_number). */
  event_json: string;
}

export type ResponseEventRow = Selectable<ResponseEventsTable>;
export type NewResponseEventRow = Insertable<ResponseEventsTable>;
