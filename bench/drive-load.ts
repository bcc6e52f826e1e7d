// The load generator's driver: undici with keep-alive, a closed loop at fixed concurrency, bounded in count and time, timed with process.hrtime.bigint().
import { Pool, type Dispatcher } from 'undici';
import type { LoadJob, LoadResult } from './load-types.js';
import { summarize } from './summarize-samples.js';

const NEWLINE = 10;
const TAIL_BYTES = 2048;

/** The counts a result reports, plus the raw samples they are summarised from. */
interface Tally extends Pick<LoadResult, 'sent' | 'received' | 'ok' | 'errors' | 'aborted' | 'errorSamples'> {
  latency: number[];
  headers: number[];
  firstByte: number[];
  events: number;
  maxGap: bigint;
  bytes: number;
  storedChecked: number;
  storedFound: number;
  lastDone: bigint;
}

function micros(from: bigint, to: bigint): number {
  return Number(to - from) / 1000;
}

function noteError(tally: Tally, message: string): void {
  tally.errors += 1;
  if (tally.errorSamples.length < 5) tally.errorSamples.push(message.slice(0, 300));
}

/** Counts SSE frames (a blank line ends one) in a chunk, given whether the previous chunk ended in a newline. */
export function countFrames(chunk: Buffer, previousEndedInNewline: boolean): number {
  let frames = 0;
  let at = chunk.indexOf(NEWLINE);
  while (at !== -1) {
    const before = at === 0 ? previousEndedInNewline : chunk[at - 1] === NEWLINE;
    if (before) frames += 1;
    at = chunk.indexOf(NEWLINE, at + 1);
  }
  return frames;
}

/** The `id` of a JSON answer; empty when it has none. */
export function idOf(text: string): string {
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string' ? parsed.id : '';
}

async function checkStored(pool: Pool, job: LoadJob, text: string, tally: Tally): Promise<void> {
  tally.storedChecked += 1;
  const id = idOf(text);
  const res = await pool.request({ path: `${job.path}/${encodeURIComponent(id)}`, method: 'GET', headers: job.headers });
  const body = await res.body.text();
  if (res.statusCode === 200 && body.includes(id) && id !== '') tally.storedFound += 1;
}

/**
 * Sends request `index` of a job and answers the response whose body is measured: the POST's own; for a background
 * run, the `GET ?stream=true` that follows it once created; or a GET of one of `getPaths`.
 */
async function openAnswer(pool: Pool, job: LoadJob, index: number, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  if (job.getPaths !== undefined) return pool.request({ path: job.getPaths[index % job.getPaths.length] ?? job.path, method: 'GET', headers: job.headers, signal });
  const res = await pool.request({
    path: job.path,
    method: 'POST',
    headers: { ...job.headers, 'content-type': 'application/json' },
    body: job.bodies[index % job.bodies.length] ?? '{}',
    signal,
  });
  if (job.background !== true) return res;
  const created = await res.body.text();
  const id = res.statusCode === 200 ? idOf(created) : '';
  if (id === '') throw new Error(`creating a background run: HTTP ${res.statusCode}: ${created.slice(0, 200)}`);
  return pool.request({ path: `${job.path}/${encodeURIComponent(id)}?stream=true`, method: 'GET', headers: job.headers, signal });
}

/** `getPool` is where `verifyStored` reads the answer back: the next instance when there are several (a read on another instance than the write's). */
async function sendOne(pool: Pool, job: LoadJob, index: number, tally: Tally, getPool: Pool): Promise<void> {
  const controller = new AbortController();
  const t0 = process.hrtime.bigint();
  tally.sent += 1;
  let events = 0;
  try {
    const res = await openAnswer(pool, job, index, controller.signal);
    const tHeaders = process.hrtime.bigint();
    tally.received += 1;
    let first = 0n;
    let previous = 0n;
    let endedInNewline = false;
    let tail = Buffer.alloc(0);
    // The expected text is looked for in every chunk (with the end of the one before), not only in the tail: a
    // response.completed event carries the whole output and can be far longer than any tail kept.
    const expected = job.expectTail === undefined ? null : Buffer.from(job.expectTail);
    let sawExpected = expected === null;
    const whole: Buffer[] = [];
    let hungUp = false;
    for await (const piece of res.body) {
      const chunk = piece as Buffer;
      const now = process.hrtime.bigint();
      if (first === 0n) first = now;
      else if (now - previous > tally.maxGap) tally.maxGap = now - previous;
      previous = now;
      tally.bytes += chunk.length;
      if (job.stream) {
        events += countFrames(chunk, endedInNewline);
        endedInNewline = chunk[chunk.length - 1] === NEWLINE;
        if (!sawExpected && expected !== null) sawExpected = Buffer.concat([tail.subarray(-expected.length), chunk]).includes(expected);
        tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
        if (job.abortAfterEvents !== undefined && events >= job.abortAfterEvents) {
          hungUp = true;
          controller.abort();
          break;
        }
      } else whole.push(chunk);
    }
    const tDone = process.hrtime.bigint();
    tally.events += events;
    if (hungUp) {
      tally.aborted += 1;
      tally.firstByte.push(micros(t0, first));
      return;
    }
    const text = job.stream ? tail.toString('utf8') : Buffer.concat(whole).toString('utf8');
    if (res.statusCode !== 200) return noteError(tally, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    if (!job.stream && expected !== null) sawExpected = text.includes(job.expectTail ?? '');
    if (!sawExpected) return noteError(tally, `answer lacks "${job.expectTail}": …${text.slice(-200)}`);
    tally.ok += 1;
    tally.latency.push(micros(t0, tDone));
    tally.headers.push(micros(t0, tHeaders));
    tally.firstByte.push(micros(t0, first === 0n ? tDone : first));
    tally.lastDone = tDone;
    if (job.verifyStored === true && !job.stream) await checkStored(getPool, job, text, tally);
  } catch (error) {
    if (controller.signal.aborted) {
      tally.events += events;
      tally.aborted += 1;
      return;
    }
    noteError(tally, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

const pools = new Map<string, Pool>();

/** Pools live across jobs so that a measurement reuses the connections its warm-up opened, as a real client's keep-alive would. */
function poolFor(origin: string, connections: number): Pool {
  const key = `${origin}|${connections}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
    pools.set(key, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy()));
}

export async function driveLoad(job: LoadJob): Promise<LoadResult> {
  const instancePools = [job.origin, ...(job.moreOrigins ?? [])].map((origin) => poolFor(origin, Math.max(1, job.concurrency)));
  const tally: Tally = {
    sent: 0,
    received: 0,
    ok: 0,
    errors: 0,
    aborted: 0,
    errorSamples: [],
    latency: [],
    headers: [],
    firstByte: [],
    events: 0,
    maxGap: 0n,
    bytes: 0,
    storedChecked: 0,
    storedFound: 0,
    lastDone: 0n,
  };
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(job.durationMs * 1e6));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < job.count && process.hrtime.bigint() < deadline) {
      const index = next;
      next += 1;
      const at = (i: number): Pool => instancePools[i % instancePools.length] as Pool;
      await sendOne(at(index), job, index, tally, at(index + 1));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, job.concurrency) }, worker));
  const end = process.hrtime.bigint();
  const wallMs = micros(start, end) / 1000;
  return {
    label: job.label,
    sent: tally.sent,
    received: tally.received,
    ok: tally.ok,
    errors: tally.errors,
    aborted: tally.aborted,
    errorSamples: tally.errorSamples,
    wallMs,
    throughput: tally.ok / (wallMs / 1000),
    latencyUs: summarize(tally.latency),
    headersUs: summarize(tally.headers),
    firstByteUs: summarize(tally.firstByte),
    events: tally.events,
    eventsPerSec: tally.events / (wallMs / 1000),
    maxGapUs: Number(tally.maxGap) / 1000,
    bytes: tally.bytes,
    storedChecked: tally.storedChecked,
    storedFound: tally.storedFound,
  };
}
