// Scenario c: the cost of storing: throughput with store on vs off, the longest stall of a paced stream while 200 KB outputs are stored, and a GET after every response (with --postgres, each on PostgreSQL too).
import { makeJob } from './make-job.js';
import { findTarget, measureOnce, measureRounds, perRound, type BenchContext, type Round } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import type { BenchTarget, TargetName } from './start-targets.js';

const PACE_MS = 5;

interface OnOff {
  /** Throughput store on ÷ off per round, by target. */
  ratios: Partial<Record<TargetName, number[]>>;
  rounds: Round[];
}

/**
 * Throughput with storage on against off, per round: the gateway with `store: true` and `store: false` (and the
 * gateway on PostgreSQL with `--postgres`; its variants are keyed `<name> on|off`), and beside it the floor,
 * bare+store against bare (the same pass-through without the durable write).
 */
async function storeOnOff(ctx: BenchContext, gateway: BenchTarget, label: string, latencyMs: number): Promise<OnOff> {
  const spec = { mock: { latencyMs, bodyBytes: 1400 }, inputBytes: 1024, concurrency: 50, count: ctx.plan.maxCount, durationMs: ctx.plan.measureMs };
  const bare = findTarget(ctx, 'bare');
  const floor = ctx.targets.storeFloor;
  const onPostgres = ctx.targets.postgres?.single;
  const rounds = await measureRounds(ctx, 'c', `store on vs off, ${label}`, [
    { key: 'on', target: gateway, job: makeJob(gateway, { ...spec, label: `c ${label} store on`, store: true }) },
    { key: 'off', target: gateway, job: makeJob(gateway, { ...spec, label: `c ${label} store off`, store: false }) },
    ...(bare === undefined
      ? []
      : [
          { key: 'floor on', target: floor, job: makeJob(floor, { ...spec, label: `c ${label} bare+store` }) },
          { key: 'floor off', target: bare, job: makeJob(bare, { ...spec, label: `c ${label} bare` }) },
        ]),
    ...(onPostgres === undefined
      ? []
      : [
          { key: 'gateway+pg on', target: onPostgres, job: makeJob(onPostgres, { ...spec, label: `c ${label} store on`, store: true }) },
          { key: 'gateway+pg off', target: onPostgres, job: makeJob(onPostgres, { ...spec, label: `c ${label} store off`, store: false }) },
        ]),
  ]);
  const throughput = perRound(rounds, (m) => m.result.throughput);
  const ratio = (on: string, off: string): number[] => (throughput[on] ?? []).map((v, i) => v / (throughput[off]?.[i] ?? Number.NaN));
  const ratios = { gateway: ratio('on', 'off'), ...(bare === undefined ? {} : { 'bare+store': ratio('floor on', 'floor off') }) };
  return { ratios: onPostgres === undefined ? ratios : { ...ratios, 'gateway+pg': ratio('gateway+pg on', 'gateway+pg off') }, rounds };
}

/** With --postgres: what storing costs in CPU per request, the gateway's (SQLite and PostgreSQL) and the PostgreSQL server's, at saturation. */
function storeCpuRows(rounds: Round[]) {
  const perRequest = (us: number | null, ok: number): number => (us ?? Number.NaN) / Math.max(1, ok);
  const added = (on: string, off: string) =>
    rounds.map((r) => perRequest(r[on]?.cpuUs ?? null, r[on]?.result.ok ?? 0) - perRequest(r[off]?.cpuUs ?? null, r[off]?.result.ok ?? 0));
  const server = (key: string) => rounds.map((r) => perRequest(r[key]?.storeCpuUs ?? null, r[key]?.result.ok ?? 0));
  return [
    makeRow({ scenario: 'c', metric: 'gateway CPU per request, store on − off @saturation', unit: 'µs' }, { gateway: added('on', 'off'), 'gateway+pg': added('gateway+pg on', 'gateway+pg off') }),
    makeRow({ scenario: 'c', metric: 'PostgreSQL server CPU per request, store on @saturation', unit: 'µs', note: 'postmaster and backends, from /proc' }, { 'gateway+pg': server('gateway+pg on') }),
  ];
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
  const pg = ctx.targets.postgres;
  const onPostgres = pg?.single;
  const at50 = await storeOnOff(ctx, gateway, '50 concurrent, mock 50 ms', 50);
  ctx.rows.push(makeRow({ scenario: s, metric: 'throughput store on ÷ off @50 conc', unit: '×', budget: '≥ 0.95', check: (g) => g.median >= 0.95 }, at50.ratios));
  const saturated = await storeOnOff(ctx, gateway, 'saturation (mock 0 ms)', 0);
  ctx.rows.push(makeRow({ scenario: s, metric: 'throughput store on ÷ off @saturation', unit: '×', budget: '≥ 0.90', check: (g) => g.median >= 0.9 }, saturated.ratios));
  if (onPostgres !== undefined) ctx.rows.push(...storeCpuRows(saturated.rounds));

  ctx.log(`c: longest stall of a paced stream while ${ctx.plan.stallOutputBytes} B outputs are stored`);
  const gaps: Partial<Record<TargetName, number[]>> = {};
  const loops: Partial<Record<TargetName, number[]>> = {};
  for (let round = 0; round < ctx.plan.rounds; round += 1) {
    for (const target of [...ctx.targets.list.filter((t) => t.name === 'direct' || t.name === 'gateway'), ...(onPostgres === undefined ? [] : [onPostgres])]) {
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
  const found: Partial<Record<TargetName, number[]>> = {};
  for (let round = 0; round < ctx.plan.rounds; round += 1) {
    // The pair creates on one instance and reads back from the other.
    for (const target of [gateway, ...(pg === undefined ? [] : [pg.single, pg.pair])]) {
      const job = makeJob(target, { label: 'c get after create', mock: { latencyMs: 0 }, inputBytes: 1024, concurrency: 4, count: ctx.plan.storedChecks, durationMs: 30_000, verifyStored: true });
      const { result: r } = await measureOnce(ctx, target, job, { scenario: s, measurement: 'GET after create', round });
      ctx.log(`  ${target.name}: found ${r.storedFound}/${r.storedChecked} (${r.errors} errors)`);
      (found[target.name] ??= []).push((100 * r.storedFound) / Math.max(1, r.storedChecked));
    }
  }
  ctx.rows.push(makeRow({ scenario: s, metric: 'GET after create finds it', unit: '%', budget: '= 100', check: (g) => g.min === 100 }, found));
}
