// Scenario c: the cost of storing: throughput with store on vs off, the longest stall of a paced stream while 200 KB outputs are stored, and a GET after every response.
import { makeJob } from './make-job.js';
import { findTarget, measureOnce, measureRounds, perRound, type BenchContext } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import type { BenchTarget, TargetName } from './start-targets.js';

const PACE_MS = 5;

/**
 * Throughput with storage on against off, per round: the gateway with `store: true` and `store: false`, and beside
 * it the floor, bare+store against bare (the same pass-through without the durable write).
 */
async function storeOnOff(ctx: BenchContext, gateway: BenchTarget, label: string, latencyMs: number): Promise<Partial<Record<TargetName, number[]>>> {
  const spec = { mock: { latencyMs, bodyBytes: 1400 }, inputBytes: 1024, concurrency: 50, count: ctx.plan.maxCount, durationMs: ctx.plan.measureMs };
  const bare = findTarget(ctx, 'bare');
  const floor = ctx.targets.storeFloor;
  const rounds = await measureRounds(ctx, 'c', `store on vs off, ${label}`, [
    { key: 'on', target: gateway, job: makeJob(gateway, { ...spec, label: `c ${label} store on`, store: true }) },
    { key: 'off', target: gateway, job: makeJob(gateway, { ...spec, label: `c ${label} store off`, store: false }) },
    ...(bare === undefined
      ? []
      : [
          { key: 'floor on', target: floor, job: makeJob(floor, { ...spec, label: `c ${label} bare+store` }) },
          { key: 'floor off', target: bare, job: makeJob(bare, { ...spec, label: `c ${label} bare` }) },
        ]),
  ]);
  const throughput = perRound(rounds, (m) => m.result.throughput);
  const ratio = (on: string, off: string): number[] => (throughput[on] ?? []).map((v, i) => v / (throughput[off]?.[i] ?? Number.NaN));
  return { gateway: ratio('on', 'off'), ...(bare === undefined ? {} : { 'bare+store': ratio('floor on', 'floor off') }) };
}

/**
 * The gateway exposes no event-loop metric, so the stall is seen from outside: the longest gap between two chunks of a
 * paced stream (one event per 5 ms) while other clients make it store 200 KB outputs, minus the 5 ms pace.
 */
interface Stall {
  /** Longest gap between chunks of the watched stream, minus the pace. */
  gapMs: number;
  /** The target's own longest event-loop delay over the same time (null for direct). */
  eventLoopMaxMs: number | null;
}

async function stallDuringStores(ctx: BenchContext, target: BenchTarget, round: number): Promise<Stall> {
  const { plan } = ctx;
  const events = Math.max(40, Math.min(plan.pacedEvents, 400));
  const watch = makeJob(target, { label: 'c stall watch', stream: true, mock: { events, bodyBytes: events * 4, paceMs: PACE_MS }, concurrency: 2, count: 2, durationMs: 60_000 });
  const stores = makeJob(target, {
    label: 'c stall 200 KB stores',
    // 20 ms upstream latency keeps 4 clients at a steady ~150 outputs/s instead of saturating every process (whose own
    // stalls would then be all the watch stream sees).
    mock: { latencyMs: 20, bodyBytes: plan.stallOutputBytes },
    concurrency: 4,
    count: plan.maxCount,
    durationMs: events * PACE_MS,
  });
  const where = { scenario: 'c', measurement: 'stall during 200 KB stores', round };
  const [watched, { result: stored, eventLoop }] = await Promise.all([
    measureOnce(ctx, target, watch, { ...where, variant: `${target.name} watch`, concurrentWithSameTarget: true }),
    measureOnce(ctx, target, stores, { ...where, variant: `${target.name} stores` }),
  ]);
  ctx.log(
    `  ${target.name}: longest gap ${(watched.result.maxGapUs / 1000).toFixed(1)} ms over ${watched.result.events} events while ${stored.ok} outputs of ${plan.stallOutputBytes} B were answered (${stored.errors} errors)` +
      (eventLoop === null ? '' : `; event-loop delay max ${eventLoop.maxMs.toFixed(1)} ms`),
  );
  return { gapMs: watched.result.maxGapUs / 1000 - PACE_MS, eventLoopMaxMs: eventLoop?.maxMs ?? null };
}

export async function scenarioC(ctx: BenchContext): Promise<void> {
  const gateway = findTarget(ctx, 'gateway');
  const s = 'c';
  if (gateway === undefined) {
    ctx.log('c: skipped, the gateway is not running');
    return;
  }
  const at50 = await storeOnOff(ctx, gateway, '50 concurrent, mock 50 ms', 50);
  ctx.rows.push(makeRow({ scenario: s, metric: 'throughput store on ÷ off @50 conc', unit: '×', budget: '≥ 0.95', check: (g) => g.median >= 0.95 }, at50));
  const saturated = await storeOnOff(ctx, gateway, 'saturation (mock 0 ms)', 0);
  ctx.rows.push(makeRow({ scenario: s, metric: 'throughput store on ÷ off @saturation', unit: '×', budget: '≥ 0.90', check: (g) => g.median >= 0.9 }, saturated));

  ctx.log(`c: longest stall of a paced stream while ${ctx.plan.stallOutputBytes} B outputs are stored`);
  const gaps: Partial<Record<TargetName, number[]>> = {};
  const loops: Partial<Record<TargetName, number[]>> = {};
  for (let round = 0; round < ctx.plan.rounds; round += 1) {
    for (const target of ctx.targets.list.filter((t) => t.name === 'direct' || t.name === 'gateway')) {
      const stall = await stallDuringStores(ctx, target, round);
      (gaps[target.name] ??= []).push(stall.gapMs);
      if (stall.eventLoopMaxMs !== null) (loops[target.name] ??= []).push(stall.eventLoopMaxMs);
    }
  }
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'event-loop delay max during 200 KB stores', unit: 'ms', budget: '≤ 20 (max)', check: (g) => g.max <= 20, note: 'monitorEventLoopDelay inside the gateway (bench/event-loop-probe.ts)' }, loops),
    makeRow({ scenario: s, metric: 'stream stall seen by a client, same time', unit: 'ms', note: 'longest gap between chunks of a 5 ms paced stream, minus 5 ms' }, gaps),
  );

  ctx.log('c: GET right after every response');
  const found: number[] = [];
  for (let round = 0; round < ctx.plan.rounds; round += 1) {
    const job = makeJob(gateway, { label: 'c get after create', mock: { latencyMs: 0 }, inputBytes: 1024, concurrency: 4, count: ctx.plan.storedChecks, durationMs: 30_000, verifyStored: true });
    const { result: r } = await measureOnce(ctx, gateway, job, { scenario: s, measurement: 'GET after create', round });
    ctx.log(`  found ${r.storedFound}/${r.storedChecked} (${r.errors} errors)`);
    found.push((100 * r.storedFound) / Math.max(1, r.storedChecked));
  }
  ctx.rows.push(makeRow({ scenario: s, metric: 'GET after create finds it', unit: '%', budget: '= 100', check: (g) => g.min === 100 }, { gateway: found }));
}
