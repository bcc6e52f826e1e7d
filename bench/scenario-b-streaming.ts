// Scenario b: 1,000-event streams: added time to first byte (1 and 50 at once), events per second in a burst, a paced stream's duration, CPU per event.
import { makeJob, type JobSpec } from './make-job.js';
import { each, measureRounds, ms, versus, type BenchContext, type Variant } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import type { BenchTarget } from './start-targets.js';

const PACE_MS = 5;

function variants(targets: BenchTarget[], spec: JobSpec): Variant[] {
  return targets.map((target) => ({ key: target.name, target, job: makeJob(target, spec) }));
}

export async function scenarioB(ctx: BenchContext): Promise<void> {
  const { plan } = ctx;
  const s = 'b';
  const all = ctx.targets.list;
  const burst = { latencyMs: 0, events: plan.streamEvents, bodyBytes: plan.streamEvents * 4, paceMs: 0 };
  const stream = { stream: true, inputBytes: 1024, durationMs: Math.max(plan.measureMs, 5000) };

  const one = await measureRounds(ctx, s, 'time to first byte, one stream at a time', variants(all, { ...stream, label: 'b ttfb 1', mock: burst, concurrency: 1, count: plan.ttfbCount }));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'added TTFB p50, 1 stream', unit: 'ms', budget: '≤ 2', check: (g) => g.median <= 2 }, versus(one, 'direct', (m, d) => ms(m.result.firstByteUs.p50 - d.result.firstByteUs.p50))),
  );

  const fifty = await measureRounds(ctx, s, 'time to first byte, 50 streams at once', variants(all, { ...stream, label: 'b ttfb 50', mock: burst, concurrency: 50, count: 50 * Math.max(1, Math.min(2, plan.ttfbCount)) }));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'added TTFB p50, 50 streams', unit: 'ms', budget: '≤ 5', check: (g) => g.median <= 5 }, versus(fifty, 'direct', (m, d) => ms(m.result.firstByteUs.p50 - d.result.firstByteUs.p50))),
  );

  const bursts = await measureRounds(ctx, s, 'events per second, burst streams (4 at once)', variants(all, { ...stream, label: 'b burst', mock: burst, concurrency: 4, count: plan.maxCount, durationMs: plan.measureMs }));
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'events/s ÷ direct, burst', unit: '×', budget: '≥ 0.5', check: (g) => g.median >= 0.5 }, versus(bursts, 'direct', (m, d) => m.result.eventsPerSec / d.result.eventsPerSec)),
    makeRow(
      { scenario: s, metric: 'CPU per event, Responses pass-through', unit: 'µs', budget: '≤ 6', check: (g) => g.median <= 6 },
      each(bursts, (m) => (m.cpuUs ?? Number.NaN) / Math.max(1, m.result.events), (m) => m.cpuUs !== null),
    ),
    makeRow({ scenario: s, metric: 'errors, burst streams', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, each(bursts, (m) => m.result.errors)),
  );

  const paced = await measureRounds(
    ctx,
    s,
    `paced stream, ${PACE_MS} ms per event, ${plan.pacedStreams} at once`,
    variants(all, { ...stream, label: 'b paced', mock: { ...burst, events: plan.pacedEvents, bodyBytes: plan.pacedEvents * 4, paceMs: PACE_MS }, concurrency: plan.pacedStreams, count: plan.pacedStreams, durationMs: 60_000 }),
  );
  ctx.rows.push(
    makeRow(
      { scenario: s, metric: `paced stream duration ÷ direct (${plan.pacedEvents} ev)`, unit: '×', budget: '≤ 1.10', check: (g) => g.median <= 1.1 },
      versus(paced, 'direct', (m, d) => m.result.latencyUs.p50 / d.result.latencyUs.p50),
    ),
  );

  const chatTargets = all.filter((t) => t.speaksChat);
  const chat = await measureRounds(
    ctx,
    s,
    'events per second, Chat Completions upstream (4 at once)',
    variants(chatTargets, { ...stream, label: 'b chat', shape: 'chat', mock: burst, concurrency: 4, count: plan.maxCount, durationMs: plan.measureMs }),
  );
  ctx.rows.push(
    makeRow({ scenario: s, metric: 'events/s ÷ direct, Chat upstream', unit: '×' }, versus(chat, 'direct', (m, d) => m.result.eventsPerSec / d.result.eventsPerSec)),
    makeRow(
      { scenario: s, metric: 'CPU per event, Chat translation', unit: 'µs', budget: '≤ 10', check: (g) => g.median <= 10 },
      each(chat, (m) => (m.cpuUs ?? Number.NaN) / Math.max(1, m.result.events), (m) => m.cpuUs !== null),
    ),
    makeRow({ scenario: s, metric: 'errors, Chat upstream', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, each(chat, (m) => m.result.errors)),
  );
}
