// An SSE connection as a run's subscriber: the stream starts with the first batch, ends after the terminal event, and beats during silence.
import type { ServerResponse } from 'node:http';
import { isTerminalEventType, type ResponsesEvent } from '../../transformers/responses-types.js';
import { SseWriter } from '../server/write-sse.js';
import type { ResponseRun, RunSink } from './response-run.js';

/**
 * A subscriber of a background run is never waited for: one that falls this far behind (characters queued
 * for its socket) is cut off, and may resume with `starting_after`.
 */
const MAX_BEHIND_CHARS = 16 * 1024 * 1024;

export interface SseSubscriber extends RunSink {
  /** Whether the headers are out (the stream started). */
  readonly started: boolean;
}

/**
 * Subscribes an HTTP response to a run. Headers go out with the first batch (until then the request can
 * still be answered with an HTTP error). A foreground run waits for its one client's socket; a background
 * run does not, and its subscriber leaving only unsubscribes it.
 */
export function subscribeSse(run: ResponseRun, res: ServerResponse, { after = -1, heartbeatMs }: { after?: number; heartbeatMs: number }): SseSubscriber {
  const sink = sseSink(res, { heartbeatMs, waitForSocket: run.mode !== 'background', run });
  // A background run's stream starts at once (it has no HTTP error to hold back); its next event may be minutes away.
  if (run.mode === 'background') sink.start();
  run.subscribe(sink, after);
  res.once('close', () => run.unsubscribe(sink));
  return sink;
}

/** How a run no process here runs is read: its logged events after a sequence number, and whether it still goes on (undefined: deleted). */
export interface StoredRunReader {
  events(after: number): Promise<ResponsesEvent[] | undefined>;
  running(): Promise<boolean | undefined>;
}

/**
 * Writes a run's log from the store as a stream, waiting for the socket. While the run goes on elsewhere (another
 * instance runs it, or will take it over), the log is read again every `pollMs` and what is new is written, up to
 * the terminal event; the stream starts at once and beats during silence. A log without its end, of a run no
 * longer going on (deleted, or one whose end could not be logged), ends all the same.
 */
export async function followStoredRun(res: ServerResponse, read: StoredRunReader, { after, heartbeatMs, pollMs }: { after: number; heartbeatMs: number; pollMs: number }): Promise<void> {
  const sink = sseSink(res, { heartbeatMs, waitForSocket: true });
  sink.start();
  for (let last = after; ; ) {
    // The status is read before the events: a run that ends between the two reads is still going on by the
    // first, and its end (one transaction with its last events) is in the second, or in the next round's.
    const running = await read.running();
    const events = (await read.events(last)) ?? [];
    if (events.length > 0) {
      if (!(await sink.push(events))) return;
      if (isTerminalEventType(events.at(-1)!.type)) return;
      last = events.at(-1)!.sequence_number as number;
      continue;
    }
    if (!running) return sink.end();
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    if (res.destroyed) return;
  }
}

function sseSink(
  res: ServerResponse,
  { heartbeatMs, waitForSocket, run }: { heartbeatMs: number; waitForSocket: boolean; run?: ResponseRun },
): SseSubscriber & { start(): void; end(): void } {
  let writer: SseWriter | undefined;
  const open = () => {
    if (!writer) {
      // The target serving when the stream starts: a fallback happens before the first output, so before this
      // for a foreground stream (unless it started on a heartbeat while upstream was silent).
      writer = new SseWriter(res, run?.plan.provider.name);
      writer.keepAlive(heartbeatMs);
    }
    return writer;
  };
  /** Writes events from `from` on; waits for a full socket when asked to, else cuts a client too far behind. */
  const write = (events: ResponsesEvent[], from: number): true | Promise<boolean> => {
    const out = open();
    for (let i = from; i < events.length; i++) {
      if (out.closed) return Promise.resolve(false);
      const event = events[i]!;
      const ready = out.push(event);
      if (isTerminalEventType(event.type)) {
        out.end();
        return true;
      }
      if (ready === true) continue;
      if (waitForSocket) return ready.then((present) => (present ? write(events, i + 1) : false));
      if (out.buffered > MAX_BEHIND_CHARS) {
        out.destroy(new Error('the subscriber fell too far behind the run'));
        return Promise.resolve(false);
      }
    }
    return true;
  };
  return {
    get started() {
      return writer !== undefined;
    },
    push: (events) => write(events, 0),
    start: () => void open(),
    abandon() {
      writer?.destroy(new Error('the run stopped without an end (the gateway shut down)'));
    },
    end() {
      open().end();
    },
  };
}
