// Scenario d: memory: idle RSS, what 200 paced streams add, growth over three bursts, and upstream requests left open after clients hang up.
import { request } from 'undici';
import { makeJob } from './make-job.js';
import type { MockStats } from './mock-upstream.js';
import { measureOnce, type BenchContext } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import { readRssMb } from './proc-stats.js';
import type { BenchTarget, TargetName } from './start-targets.js';

const PACE_MS = 5;
const BURSTS = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function readMockStats(origin: string): Promise<MockStats> {
  const res = await request(`${origin}/__stats`);
  return (await res.body.json()) as MockStats;
}

/** Waits until the mock has no request in flight (earlier scenarios' streams ended), up to `limitMs`. */
async function mockDrained(origin: string, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  let stats = await readMockStats(origin);
  while (stats.inflight > 0 && Date.now() < deadline) {
    await sleep(50);
    stats = await readMockStats(origin);
  }
  return stats.inflight;
}

/** Peak RSS while `work` runs, sampled every 50 ms. */
async function peakRssDuring(pid: number, work: Promise<unknown>): Promise<number> {
  let peak = readRssMb(pid);
  let running = true;
  const sampler = (async (): Promise<void> => {
    while (running) {
      peak = Math.max(peak, readRssMb(pid));
      await sleep(50);
    }
  })();
  await work;
  running = false;
  await sampler;
  return Math.max(peak, readRssMb(pid));
}

async function memoryBursts(ctx: BenchContext, target: BenchTarget, pid: number): Promise<{ added: number[]; after: number[] }> {
  const { plan } = ctx;
  const added: number[] = [];
  const after: number[] = [];
  for (let burst = 0; burst < BURSTS; burst += 1) {
    const before = readRssMb(pid);
    const job = makeJob(target, {
      label: `d ${plan.memoryStreams} paced streams, burst ${burst + 1}`,
      stream: true,
      mock: { events: plan.memoryEvents, bodyBytes: plan.memoryEvents * 4, paceMs: PACE_MS },
      concurrency: plan.memoryStreams,
      count: plan.memoryStreams,
      durationMs: 120_000,
    });
    const run = measureOnce(ctx, target, job, { scenario: 'd', measurement: 'paced streams', round: burst });
    const peak = await peakRssDuring(pid, run);
    const { result } = await run;
    await sleep(plan.settleMs);
    const settled = readRssMb(pid);
    ctx.log(`  ${target.name} burst ${burst + 1}: ${result.ok}/${result.sent} streams ok, RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} → ${settled.toFixed(1)} MB`);
    added.push(peak - before);
    after.push(settled);
  }
  return { added, after };
}

async function openAfterHangUps(ctx: BenchContext, target: BenchTarget): Promise<number> {
  const origin = ctx.targets.mock.origin;
  const leftover = await mockDrained(origin, 10_000);
  if (leftover > 0) ctx.log(`  mock still had ${leftover} requests in flight before the test`);
  const job = makeJob(target, {
    label: `d ${ctx.plan.disconnectClients} clients hang up`,
    stream: true,
    // Long enough that every stream is still running 1 s after the hang-up, short enough that a leaked one ends soon after.
    mock: { events: 400, bodyBytes: 1600, paceMs: PACE_MS },
    concurrency: ctx.plan.disconnectClients,
    count: ctx.plan.disconnectClients,
    durationMs: 30_000,
    abortAfterEvents: 10,
  });
  const { result } = await measureOnce(ctx, target, job, { scenario: 'd', measurement: 'hang-ups' });
  await sleep(1000);
  const stats = await readMockStats(origin);
  ctx.log(`  ${target.name}: ${result.aborted} clients hung up (${result.errors} errors); 1 s later the mock has ${stats.inflight} requests in flight`);
  await mockDrained(origin, 6_000);
  return stats.inflight;
}

export async function scenarioD(ctx: BenchContext): Promise<void> {
  const s = 'd';
  const proxies = ctx.targets.list.filter((t): t is BenchTarget & { pid: number } => t.pid !== null);
  const single = (rss: Partial<Record<TargetName, number>>): Partial<Record<TargetName, number[]>> =>
    Object.fromEntries(Object.entries(rss).map(([name, mb]) => [name, [mb]]));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'RSS 0.5 s after start-up', unit: 'MB' }, single(ctx.rssAtRestMb.startUp)),
    makeRow(
      { scenario: s, metric: `idle RSS (after ${ctx.plan.idleMs / 1000} s idle)`, unit: 'MB', budget: '≤ 80', check: (g) => g.median <= 80, note: 'V8 shrinks the heap start-up grew about 8 s after start' },
      single(ctx.rssAtRestMb.idle),
    ),
  );

  ctx.log(`d: ${ctx.plan.memoryStreams} concurrent paced streams, ${BURSTS} bursts in a row`);
  const added: Partial<Record<TargetName, number[]>> = {};
  const growth: Partial<Record<TargetName, number[]>> = {};
  for (const target of proxies) {
    const bursts = await memoryBursts(ctx, target, target.pid);
    added[target.name] = bursts.added;
    const first = bursts.after[0] ?? Number.NaN;
    const last = bursts.after[bursts.after.length - 1] ?? Number.NaN;
    growth[target.name] = [(100 * (last - first)) / first];
  }
  ctx.rows.push(
    makeRow({ scenario: s, metric: `RSS added by ${ctx.plan.memoryStreams} paced streams`, unit: 'MB', budget: '≤ 100', check: (g) => g.max <= 100 }, added),
    makeRow({ scenario: s, metric: `RSS growth, burst 1 → ${BURSTS}`, unit: '%', budget: '≤ 10', check: (g) => g.median <= 10 }, growth),
  );

  ctx.log(`d: ${ctx.plan.disconnectClients} clients hang up mid-stream`);
  const open: Partial<Record<TargetName, number[]>> = {};
  for (const target of proxies) open[target.name] = [await openAfterHangUps(ctx, target)];
  ctx.rows.push(makeRow({ scenario: s, metric: 'upstream requests open 1 s after hang-ups', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, open));
}
