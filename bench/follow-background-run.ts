// Sets up scenario g's resumed runs from the harness: creates a background run and reads its stream up to a number of events or its end; cancels one.
import { request } from 'undici';
import { countFrames, idOf } from './drive-load.js';
import { responsesBody } from './request-bodies.js';
import type { BenchTarget } from './start-targets.js';

const NEWLINE = 10;

export interface FollowedRun {
  id: string;
  /** SSE events read before hanging up, or to the run's end. */
  events: number;
}

/**
 * Creates a background run of `model` and follows it with `GET …?stream=true` until `untilEvents` events have come
 * (then hangs up: the run goes on) or the run has ended. Every event read has been stored, since a background run
 * delivers a batch only once it is in its log.
 */
export async function followBackgroundRun(gateway: BenchTarget, model: string, untilEvents = Number.POSITIVE_INFINITY): Promise<FollowedRun> {
  const created = await request(`${gateway.origin}/v1/responses`, {
    method: 'POST',
    headers: { ...gateway.headers, 'content-type': 'application/json' },
    body: responsesBody({ model, inputBytes: 1024, background: true }),
  });
  const text = await created.body.text();
  const id = created.statusCode === 200 ? idOf(text) : '';
  if (id === '') throw new Error(`creating a background run: HTTP ${created.statusCode}: ${text.slice(0, 300)}`);
  const controller = new AbortController();
  const res = await request(`${gateway.origin}/v1/responses/${encodeURIComponent(id)}?stream=true`, { headers: gateway.headers, signal: controller.signal });
  if (res.statusCode !== 200) throw new Error(`following ${id}: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
  let events = 0;
  let endedInNewline = false;
  for await (const piece of res.body) {
    const chunk = piece as Buffer;
    events += countFrames(chunk, endedInNewline);
    endedInNewline = chunk[chunk.length - 1] === NEWLINE;
    if (events >= untilEvents) {
      controller.abort();
      break;
    }
  }
  return { id, events };
}

/** Cancels a background run; answers the status it ended with (`cancelled` if it was still running). */
export async function cancelBackgroundRun(gateway: BenchTarget, id: string): Promise<string> {
  const res = await request(`${gateway.origin}/v1/responses/${encodeURIComponent(id)}/cancel`, { method: 'POST', headers: gateway.headers });
  const body = (await res.body.json()) as { status?: unknown };
  if (res.statusCode !== 200) throw new Error(`cancelling ${id}: HTTP ${res.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
  return String(body.status);
}
