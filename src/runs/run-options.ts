// What a run is asked to be (its mode and options), what its subscribers take events through (and which of a batch each gets), and how it ends.
import type { ResponseObject, ResponsesEvent } from '../../transformers/responses-types.js';
import type { UpstreamRun } from '../providers/provider.js';
import type { UpstreamAbort } from '../providers/upstream-abort.js';

/**
 * - `json`: a non-streaming client waits for the end; any failure is its HTTP error, and is not stored.
 * - `stream`: one streaming client. Events are held until the first output (a failure before it is an HTTP
 *   error), or until `holdMs` passes without any (the stream then starts, and a later failure is an event);
 *   then passed on with the client's backpressure. The client leaving stops the run, which stores nothing.
 * - `background`: detached. Begins `queued` (stored at once), logs its numbered events as they go, runs when
 *   a slot is free, and serves any number of subscribers, none of which it waits for.
 */
export type RunMode = 'json' | 'stream' | 'background';

/** Where a subscriber's events go (an SSE connection). */
export interface RunSink {
  /** Takes a batch of numbered events; true to go on, or a promise (the client is slow) that says whether it is still there. */
  push(events: ResponsesEvent[]): true | Promise<boolean>;
  /** The run stopped without a terminal event for this subscriber (shutdown): the connection is cut. */
  abandon(): void;
}

export interface RunOptions {
  mode: RunMode;
  /** `stream`: how long events are held back waiting for the first output (the heartbeat interval); 0: until it comes. */
  holdMs?: number;
  /** An upstream run already open (upstream streamed although asked for one body), and the switch that stops it. */
  opened?: UpstreamRun;
  abort?: UpstreamAbort;
  /**
   * `background`: waits for a free slot (background.max_concurrent); resolves with its release, or at once
   * (with nothing to release) when `stopped` fires first.
   */
  takeSlot?: (stopped: UpstreamAbort) => Promise<() => void>;
  /** `background`: the run was found unfinished at start and runs again; its response and input are stored already. */
  rerun?: boolean;
  /** `background`: the largest event log kept (characters); past it, delta events are left out of the log. */
  maxLogChars?: number;
  /** `background`: the instance that runs it and until when it holds it, stored with the run (run-leases.ts renews it). */
  lease?: { instance: string; until: number };
}

/** How a run ended: its final response, and that response's JSON as stored (what a non-streaming client is sent). */
export interface RunOutcome {
  response: ResponseObject;
  json: string;
}

/** Sends a subscriber the events of a batch after its `starting_after` (a resume can name a point the run has not reached yet). */
export function pushAfter(sink: RunSink, events: ResponsesEvent[], after: number): true | Promise<boolean> {
  if (after < 0 || (events[0]!.sequence_number as number) > after) return sink.push(events);
  const wanted = events.filter((event) => (event.sequence_number as number) > after);
  return wanted.length > 0 ? sink.push(wanted) : true;
}
