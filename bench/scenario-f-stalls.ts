// Scenario f: nothing one request does stalls everyone: the longest wait of a watched stream while a 45 MB request, a 50 MB upstream event and another process's write lock are in progress.
import SQLite from 'better-sqlite3';
import { request } from 'undici';
import { makeJob } from './make-job.js';
import { findTarget, measureOnce, type BenchContext } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import { mockModelName, type MockProfile } from './mock-profile.js';
import { responsesBody } from './request-bodies.js';
import type { BenchTarget } from './start-targets.js';

const PACE_MS = 5;
/** The watched stream is well under way before the disturbance starts. */
const LEAD_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What happened to the request that caused the disturbance, for the log. */
type Disturbance = () => Promise<string>;

/**
 * Two clients watch a paced stream (one event per 5 ms, `store: false`: it needs nothing of the store) while the
 * disturbance runs; the longest gap between two chunks of it, minus the pace, is what one request made another wait.
 * The disturbance is sent from this process, not the load generator's, so that building and sending it does not
 * pause the watcher's own client.
 */
async function stallDuring(ctx: BenchContext, gateway: BenchTarget, label: string, round: number, disturb: Disturbance): Promise<number> {
  const events = ctx.plan.stallWatchEvents;
  const watch = makeJob(gateway, { label: `f watch, ${label}`, stream: true, store: false, mock: { events, bodyBytes: events * 4, paceMs: PACE_MS }, concurrency: 2, count: 2, durationMs: 120_000 });
  const watching = measureOnce(ctx, gateway, watch, { scenario: 'f', measurement: label, round, variant: 'gateway watch', concurrentWithSameTarget: true });
  await sleep(LEAD_MS);
  const started = Date.now();
  const outcome = await disturb();
  const tookMs = Date.now() - started;
  const { result } = await watching;
  const gapMs = result.maxGapUs / 1000 - PACE_MS;
  const within = result.wallMs > LEAD_MS + tookMs ? '' : ' (the watched stream ended before the disturbance did: lengthen it)';
  ctx.log(`  ${label}: ${outcome} in ${tookMs} ms; longest gap of the watched stream ${gapMs.toFixed(1)} ms over ${result.events} events${within}`);
  return gapMs;
}

async function post(gateway: BenchTarget, body: Buffer | string): Promise<string> {
  const res = await request(`${gateway.origin}/v1/responses`, { method: 'POST', headers: { ...gateway.headers, 'content-type': 'application/json' }, body, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const text = await res.body.text();
  const code = /"code"\s*:\s*"([^"]*)"/.exec(text.slice(0, 2000))?.[1];
  return `HTTP ${res.statusCode}${code === undefined ? '' : ` ${code}`}, ${text.length} characters back`;
}

const model = (gateway: BenchTarget, profile: Partial<MockProfile>): string => gateway.model(mockModelName(profile), 'responses');

/** A stored request of `mb` MB of 1 KB message items (the shape of a long Codex history, stored as it is by default). */
function largeRequest(gateway: BenchTarget, mb: number): Disturbance {
  const body = Buffer.from(responsesBody({ model: model(gateway, {}), inputBytes: mb * 1024 * 1024, inputKind: 'items' }));
  return () => post(gateway, body);
}

/** A stream whose first delta is one event of `mb` MB: past the gateway's default limits.max_upstream_event_mb (16), so it ends in an error. */
function largeEvent(gateway: BenchTarget, mb: number): Disturbance {
  const body = responsesBody({ model: model(gateway, { hugeEventBytes: mb * 1024 * 1024 }), inputBytes: 1024, stream: true });
  return () => post(gateway, body);
}

/** Another process's transaction holds the gateway's SQLite write lock for `holdMs` while three clients ask for stored responses. */
function heldWriteLock(ctx: BenchContext, gateway: BenchTarget, holdMs: number, round: number): Disturbance {
  return async () => {
    const other = new SQLite(ctx.targets.dbFile);
    try {
      other.exec('BEGIN IMMEDIATE');
      // Three clients, not two: the load generator keeps one pool per origin and concurrency, and the watch holds the two of its own.
      const stores = makeJob(gateway, { label: 'f stored during the lock', mock: { latencyMs: 10 }, concurrency: 3, count: 1000, durationMs: holdMs });
      const storing = measureOnce(ctx, gateway, stores, { scenario: 'f', measurement: 'held write lock', round, variant: 'gateway stores', concurrentWithSameTarget: true });
      await sleep(holdMs);
      other.exec('COMMIT');
      const { result } = await storing;
      return `lock held ${holdMs} ms; ${result.ok} stored responses answered (${result.errors} errors, p99 ${(result.latencyUs.p99 / 1000).toFixed(0)} ms)`;
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  };
}

export async function scenarioF(ctx: BenchContext): Promise<void> {
  const gateway = findTarget(ctx, 'gateway');
  const direct = findTarget(ctx, 'direct');
  if (gateway === undefined || direct === undefined) {
    ctx.log('f: skipped, the gateway is not running');
    return;
  }
  const { plan } = ctx;
  ctx.log(`f: longest stall of a paced stream while a ${plan.stallRequestMb} MB request, a ${plan.stallEventMb} MB upstream event and a ${plan.lockHoldMs} ms write lock are in progress`);
  // The mock builds its large event once; asked directly here so that building it is not inside a measurement.
  await post(direct, responsesBody({ model: mockModelName({ hugeEventBytes: plan.stallEventMb * 1024 * 1024 }), inputBytes: 16, stream: true }));
  // The watched stream's path warmed up, as the other scenarios do for theirs.
  const warm = plan.stallWatchEvents;
  await ctx.load.run(makeJob(gateway, { label: 'f watch (warm-up)', stream: true, store: false, mock: { events: warm, paceMs: 0 }, concurrency: 2, count: ctx.mode === 'smoke' ? 2 : 200, durationMs: 5_000 }));
  const kinds = [
    { key: 'request', metric: `stall while a ${plan.stallRequestMb} MB request is handled`, disturb: () => largeRequest(gateway, plan.stallRequestMb) },
    { key: 'event', metric: `stall while a ${plan.stallEventMb} MB upstream event arrives`, disturb: () => largeEvent(gateway, plan.stallEventMb) },
    { key: 'lock', metric: `stall while another process holds the write lock ${plan.lockHoldMs / 1000} s`, disturb: (round: number) => heldWriteLock(ctx, gateway, plan.lockHoldMs, round) },
  ];
  const gaps: Record<string, number[]> = {};
  for (let round = 0; round < plan.rounds; round += 1) {
    for (const kind of kinds) (gaps[kind.key] ??= []).push(await stallDuring(ctx, gateway, kind.metric, round, kind.disturb(round)));
  }
  for (const kind of kinds) {
    ctx.rows.push(
      makeRow(
        { scenario: 'f', metric: kind.metric, unit: 'ms', budget: '< 250', check: (g) => g.median < 250, note: 'longest gap between chunks of a 5 ms paced store:false stream, minus 5 ms' },
        { gateway: gaps[kind.key] ?? [] },
      ),
    );
  }
}
