// A background run's numbered event log in memory, capped: past the cap, delta events are left out (every other event, each part's full text in its `.done` among them, is kept).
import { eventJson, type ResponsesEvent } from '../../transformers/responses-types.js';

export interface EventLog {
  /** The events delivered so far, in order: what a subscriber that joins now replays. */
  events: ResponsesEvent[];
  /** Characters taken for the log so far (the events' JSON). */
  chars: number;
  maxChars: number;
  /** Delta events left out since the cap was reached. */
  skipped: number;
}

/**
 * Decides, once per batch and in order, which of its events the log keeps: all of them within the cap, then
 * all but the deltas. Counts them in; the caller stores them, then appends them to `events` as it delivers.
 */
export function takeForLog(log: EventLog, events: ResponsesEvent[]): ResponsesEvent[] {
  const logged: ResponsesEvent[] = [];
  for (const event of events) {
    if (log.chars >= log.maxChars && event.type.endsWith('.delta')) {
      log.skipped++;
      continue;
    }
    log.chars += eventJson(event).length;
    logged.push(event);
  }
  return logged;
}
