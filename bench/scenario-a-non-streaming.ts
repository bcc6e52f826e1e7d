// Scenario a: non-streaming calls with store on: added latency at 50 concurrent, throughput at 200 and at saturation, CPU per request (with --postgres, also on PostgreSQL, one instance and two).
import { makeJob } from './make-job.js';
import { each, measureRounds, ms, versus, type BenchContext, type Round, type Variant } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import type { JobSpec } from './make-job.js';

/** `pair`: the two gateways on one PostgreSQL too (at saturation only: that is where a second instance could add throughput). */
function variants(ctx: BenchContext, spec: JobSpec, pair = false): Variant[] {
  // The storage floor runs here (and in c) only: it differs from bare in non-streaming answers alone.
  const pg = ctx.targets.postgres;
  const onPostgres = pg === undefined ? [] : pair ? [pg.single, pg.pair] : [pg.single];
  return [...ctx.targets.list, ctx.targets.storeFloor, ...onPostgres].map((target) => ({ key: target.name, target, job: makeJob(target, spec) }));
}

/** PostgreSQL's own CPU per request answered (it is not in the gateway's column of the CPU rows). */
function postgresCpuRow(rounds: Round[], at: string) {
  return makeRow(
    { scenario: 'a', metric: `PostgreSQL server CPU per request ${at}`, unit: 'µs', note: 'postmaster and backends, from /proc; not in the gateway+pg CPU rows' },
    each(rounds, (m) => (m.storeCpuUs ?? Number.NaN) / Math.max(1, m.result.ok), (m) => m.storeCpuUs !== null),
  );
}

export async function scenarioA(ctx: BenchContext): Promise<void> {
  const { plan } = ctx;
  const base = { mock: { latencyMs: 50, bodyBytes: 1400 }, inputBytes: 1024, count: plan.maxCount, durationMs: plan.measureMs };
  const s = 'a';

  const at50 = await measureRounds(ctx, s, '50 concurrent, mock 50 ms', variants(ctx, { ...base, label: 'a 50c', concurrency: 50 }));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'added p50 @50 conc', unit: 'ms', budget: '≤ 1.5', check: (g) => g.median <= 1.5 }, versus(at50, 'direct', (m, d) => ms(m.result.latencyUs.p50 - d.result.latencyUs.p50))),
    makeRow({ scenario: s, metric: 'added p99 @50 conc', unit: 'ms', budget: '≤ 10', check: (g) => g.median <= 10 }, versus(at50, 'direct', (m, d) => ms(m.result.latencyUs.p99 - d.result.latencyUs.p99))),
    makeRow({ scenario: s, metric: 'errors @50 conc', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, each(at50, (m) => m.result.errors)),
    makeRow(
      { scenario: s, metric: 'CPU per request @50 conc', unit: 'µs', budget: '≤ 250', check: (g) => g.median <= 250 },
      each(at50, (m) => (m.cpuUs ?? Number.NaN) / Math.max(1, m.result.ok), (m) => m.cpuUs !== null),
    ),
    makeRow({ scenario: s, metric: 'event-loop delay p99 @50 conc', unit: 'ms' }, each(at50, (m) => m.eventLoop?.p99Ms ?? Number.NaN, (m) => m.eventLoop !== null)),
    makeRow({ scenario: s, metric: 'event-loop delay max @50 conc', unit: 'ms' }, each(at50, (m) => m.eventLoop?.maxMs ?? Number.NaN, (m) => m.eventLoop !== null)),
  );
  if (ctx.targets.postgres !== undefined) ctx.rows.push(postgresCpuRow(at50, '@50 conc'));

  const at200 = await measureRounds(ctx, s, '200 concurrent, mock 50 ms', variants(ctx, { ...base, label: 'a 200c', concurrency: 200 }));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'throughput ÷ direct @200 conc', unit: '×', budget: '≥ 0.90', check: (g) => g.median >= 0.9 }, versus(at200, 'direct', (m, d) => m.result.throughput / d.result.throughput)),
    makeRow({ scenario: s, metric: 'errors @200 conc', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, each(at200, (m) => m.result.errors)),
  );

  const saturated = await measureRounds(ctx, s, 'saturation (mock 0 ms, 50 concurrent)', variants(ctx, { ...base, mock: { latencyMs: 0, bodyBytes: 1400 }, label: 'a sat', concurrency: 50 }, true));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'throughput ÷ bare @saturation', unit: '×', budget: '≥ 0.75', check: (g) => g.median >= 0.75 }, versus(saturated, 'bare', (m, b) => m.result.throughput / b.result.throughput)),
    makeRow({ scenario: s, metric: 'throughput @saturation', unit: 'req/s' }, each(saturated, (m) => m.result.throughput)),
    makeRow(
      { scenario: s, metric: 'CPU per request @saturation', unit: 'µs' },
      each(saturated, (m) => (m.cpuUs ?? Number.NaN) / Math.max(1, m.result.ok), (m) => m.cpuUs !== null),
    ),
  );
  if (ctx.targets.postgres !== undefined) {
    ctx.rows.push(
      postgresCpuRow(saturated, '@saturation'),
      makeRow(
        { scenario: s, metric: 'throughput two instances ÷ one @saturation', unit: '×', note: 'gateway+pg×2 against gateway+pg, per round; both on the one PostgreSQL server' },
        { 'gateway+pg×2': saturated.map((round) => (round['gateway+pg×2']?.result.throughput ?? Number.NaN) / (round['gateway+pg']?.result.throughput ?? Number.NaN)) },
      ),
    );
  }
}
