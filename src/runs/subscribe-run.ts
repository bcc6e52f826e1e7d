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

/** Writes already numbered events (a finished run's log) as a whole stream, waiting for the socket. */
export async function writeSseEvents(res: ServerResponse, events: ResponsesEvent[], heartbeatMs: number): Promise<void> {
  const sink = sseSink(res, { heartbeatMs, waitForSocket: true });
  if (events.length > 0 && !(await sink.push(events))) return;
  // A log without its end (a run no process runs any more, before restart recovery reached it) ends all the same.
  if (!isTerminalEventType(events.at(-1)?.type ?? '')) sink.end();
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
