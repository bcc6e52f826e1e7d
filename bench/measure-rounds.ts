// Runs a set of variants (target + job) interleaved over rounds, rotating their order, and takes each target's CPU time around its run.
import type { BenchMode, Plan } from './bench-plan.js';
import type { LoadClient } from './load-client.js';
import type { LoadJob, LoadResult } from './load-types.js';
import type { MetricRow } from './metric-row.js';
import type { EventLoopSnapshot } from './event-loop-probe.js';
import { readCpuMicros } from './proc-stats.js';
import { takeEventLoopSnapshot } from './read-event-loop.js';
import type { BenchTarget, TargetName, Targets } from './start-targets.js';

export interface RawRecord {
  scenario: string;
  measurement: string;
  round: number;
  variant: string;
  target: TargetName;
  cpuUs: number | null;
  /** CPU µs of the database server the target stores in (PostgreSQL), over the same job; null when it has none of its own. */
  storeCpuUs: number | null;
  eventLoop: EventLoopSnapshot | null;
  result: LoadResult;
}

export interface BenchContext {
  plan: Plan;
  mode: BenchMode;
  targets: Targets;
  load: LoadClient;
  log: (line: string) => void;
  raw: RawRecord[];
  rows: MetricRow[];
  /** Kinds of request (target, streaming, path) each target has already been warmed up for. */
  warmed: Set<string>;
  /** RSS (MB) of each target process 0.5 s after start-up, and again after `plan.idleMs` more of idling. */
  rssAtRestMb: { startUp: Partial<Record<TargetName, number>>; idle: Partial<Record<TargetName, number>> };
}

export interface Variant {
  key: string;
  target: BenchTarget;
  job: LoadJob;
}

export interface Measurement {
  target: BenchTarget;
  result: LoadResult;
  /** CPU µs the target process (all its instances) used during the measured job; null for direct. */
  cpuUs: number | null;
  /** CPU µs its database server used meanwhile (PostgreSQL's process tree), not counted in `cpuUs`; null without one. */
  storeCpuUs: number | null;
  /** The target's event-loop delay during the job (monitorEventLoopDelay, via bench/event-loop-probe.ts); null for direct. */
  eventLoop: EventLoopSnapshot | null;
}

export type Round = Record<string, Measurement>;

export function findTarget(ctx: BenchContext, name: TargetName): BenchTarget | undefined {
  return ctx.targets.list.find((t) => t.name === name);
}

function logResult(ctx: BenchContext, m: Measurement): void {
  const r = m.result;
  const extra = r.errors > 0 ? ` ERRORS ${r.errors}: ${r.errorSamples.join(' | ')}` : '';
  // Streams hung up on (scenario d's, scenario g's resumes) have no whole-request latency; their first byte is what counts.
  const hungUp = r.aborted > 0 ? `, ${r.aborted} hung up, first byte p50 ${(r.firstByteUs.p50 / 1000).toFixed(2)} ms` : '';
  ctx.log(
    `  ${r.label}: ${r.ok}/${r.sent} ok${hungUp}, ${r.throughput.toFixed(0)}/s, p50 ${(r.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(r.latencyUs.p99 / 1000).toFixed(2)} ms` +
      (m.cpuUs === null ? '' : `, cpu ${(m.cpuUs / Math.max(1, r.ok + r.aborted)).toFixed(0)} µs/req`) +
      (m.storeCpuUs === null ? '' : ` + PostgreSQL ${(m.storeCpuUs / Math.max(1, r.ok + r.aborted)).toFixed(0)} µs/req`) +
      (m.eventLoop === null ? '' : `, event loop max ${m.eventLoop.maxMs.toFixed(1)} ms`) +
      extra,
  );
}

export interface Where {
  scenario: string;
  measurement: string;
  round?: number;
  variant?: string;
  /** Another job runs against the same target at the same time: its event-loop probe is read by that one. */
  concurrentWithSameTarget?: boolean;
}

/** CPU µs of all the target's processes (one, or each instance); null for direct. */
function targetCpuMicros(target: BenchTarget): number | null {
  if (target.pid === null) return null;
  return (target.moreInstances ?? []).reduce((sum, instance) => sum + readCpuMicros(instance.pid), readCpuMicros(target.pid));
}

/** One job against one target, with the target's CPU time (and its database server's) around it, kept in the raw records. */
export async function measureOnce(ctx: BenchContext, target: BenchTarget, job: LoadJob, where: Where): Promise<Measurement> {
  const pid = target.pid;
  const probed = pid !== null && target.eventLoopFile !== null && !where.concurrentWithSameTarget;
  if (probed) await takeEventLoopSnapshot(pid, target.eventLoopFile ?? '');
  const before = targetCpuMicros(target);
  const storeBefore = target.storeServer?.readCpuMicros() ?? null;
  const result = await ctx.load.run(job);
  const after = targetCpuMicros(target);
  const cpuUs = after === null || before === null ? null : after - before;
  const storeCpuUs = storeBefore === null ? null : (target.storeServer?.readCpuMicros() ?? Number.NaN) - storeBefore;
  const eventLoop = probed ? await takeEventLoopSnapshot(pid, target.eventLoopFile ?? '') : null;
  ctx.raw.push({ scenario: where.scenario, measurement: where.measurement, round: where.round ?? 0, variant: where.variant ?? target.name, target: target.name, cpuUs, storeCpuUs, eventLoop, result });
  return { target, result, cpuUs, storeCpuUs, eventLoop };
}

/**
 * The first time a target serves a kind of request (streaming or not, on a path, a background run or a GET) it runs for `warmupMs` so that the JIT
 * settles (a cold run costs twice the CPU per request); after that a warm-up only opens the measured run's connections.
 */
async function warmUp(ctx: BenchContext, v: Variant): Promise<void> {
  const way = v.job.background === true ? '|background' : v.job.getPaths !== undefined ? '|get' : '';
  const kind = `${v.target.name}|${v.job.stream}|${v.job.path}${way}`;
  const cold = !ctx.warmed.has(kind) && ctx.mode !== 'smoke';
  ctx.warmed.add(kind);
  // One request per connection the measured run will use (a paced stream lasts seconds: no more than that).
  const count = ctx.mode === 'smoke' ? ctx.plan.warmup : Math.min(v.job.concurrency, 200);
  const label = `${v.job.label} (warm-up)`;
  if (cold) await ctx.load.run({ ...v.job, label, count: ctx.plan.maxCount, durationMs: ctx.plan.warmupMs });
  await ctx.load.run({ ...v.job, label, count, durationMs: Math.max(v.job.durationMs, 2000) });
}

export async function measureRounds(ctx: BenchContext, scenario: string, measurement: string, variants: Variant[]): Promise<Round[]> {
  ctx.log(`${scenario}: ${measurement}`);
  const rounds: Round[] = [];
  for (let round = 0; round < ctx.plan.rounds; round += 1) {
    const round_: Round = {};
    // Rotating the order spreads any drift of the shared machine over all variants.
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    for (const v of order) {
      // Warm up once, before the first round: enough requests to open every connection of the measured run (the load
      // generator keeps them), and to let the JIT settle. Smoke mode proves only that things answer.
      if (round === 0) await warmUp(ctx, v);
      const m = await measureOnce(ctx, v.target, v.job, { scenario, measurement, round, variant: v.key });
      logResult(ctx, m);
      round_[v.key] = m;
    }
    rounds.push(round_);
  }
  return rounds;
}

/** Per-round values of `pick` for each variant key. */
export function perRound(rounds: Round[], pick: (m: Measurement, round: Round) => number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const round of rounds) {
    for (const [key, m] of Object.entries(round)) (out[key] ??= []).push(pick(m, round));
  }
  return out;
}

/** Per-round `f(target, reference)` for every target but the reference, keyed by target name (variants keyed by target name). */
export function versus(rounds: Round[], reference: TargetName, f: (m: Measurement, ref: Measurement) => number): Partial<Record<TargetName, number[]>> {
  const out: Partial<Record<TargetName, number[]>> = {};
  for (const round of rounds) {
    const ref = round[reference];
    if (ref === undefined) continue;
    for (const m of Object.values(round)) {
      if (m.target.name === reference) continue;
      (out[m.target.name] ??= []).push(f(m, ref));
    }
  }
  return out;
}

/** Per-round `f(m)` for every target, keyed by target name. */
export function each(rounds: Round[], f: (m: Measurement) => number, only?: (m: Measurement) => boolean): Partial<Record<TargetName, number[]>> {
  const out: Partial<Record<TargetName, number[]>> = {};
  for (const round of rounds) {
    for (const m of Object.values(round)) if (only === undefined || only(m)) (out[m.target.name] ??= []).push(f(m));
  }
  return out;
}

export const ms = (us: number): number => us / 1000;
