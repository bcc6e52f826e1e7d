// Scenario g: background runs (the gateway only): events per second into a run's log against the same streams in the foreground, and how soon a resumed stream brings its first event, for a live run and a finished one.
import { cancelBackgroundRun, followBackgroundRun, type FollowedRun } from './follow-background-run.js';
import { makeJob } from './make-job.js';
import { findTarget, measureRounds, ms, perRound, type BenchContext } from './measure-rounds.js';
import { makeRow } from './metric-row.js';
import { mockModelName } from './mock-profile.js';
import type { BenchTarget } from './start-targets.js';

const s = 'g';
const ONLY_GATEWAY = 'gateway only: direct and bare have no background mode';
/** A resume asks for the events after this many behind the head the run had when it was set up. */
const RESUME_BEHIND = 100;
/** A live run's events after its lead come one per this many ms, until it is cancelled: the log grows slowly while it is resumed. */
const LIVE_PACE_MS = 100;
const LIVE_TAIL_EVENTS = 3000;

const byRound = (a: number[], b: number[], f: (x: number, y: number) => number): number[] => a.map((x, i) => f(x, b[i] ?? Number.NaN));

/**
 * `backgroundRuns` clients each create a background run of a 1,000-event answer and follow it with
 * `GET ?stream=true` to its end, against the same answer streamed in the foreground with `store: true`, in
 * the same rounds. A background run delivers a batch only once the batch is in its log, so the events its
 * follower reads are events stored; the difference between the two is the log's cost.
 */
async function eventsIntoTheLog(ctx: BenchContext, gateway: BenchTarget): Promise<void> {
  const { plan } = ctx;
  const answer = { latencyMs: 0, events: plan.streamEvents, bodyBytes: plan.streamEvents * 4, paceMs: 0 };
  const spec = { mock: answer, inputBytes: 1024, store: true, concurrency: plan.backgroundRuns, count: plan.maxCount, durationMs: plan.backgroundMs };
  const rounds = await measureRounds(ctx, s, `${plan.backgroundRuns} background runs at once, followed to their end, against the same streams in the foreground`, [
    { key: 'background', target: gateway, job: makeJob(gateway, { ...spec, label: 'g background runs', background: true }) },
    { key: 'foreground', target: gateway, job: makeJob(gateway, { ...spec, label: 'g foreground streams', stream: true }) },
  ]);
  const perSec = perRound(rounds, (m) => m.result.eventsPerSec);
  const cpu = perRound(rounds, (m) => (m.cpuUs ?? Number.NaN) / Math.max(1, m.result.events));
  const duration = perRound(rounds, (m) => ms(m.result.latencyUs.p50));
  const errors = perRound(rounds, (m) => m.result.errors);
  const [bg, fg] = [perSec.background ?? [], perSec.foreground ?? []];
  const runs = `${plan.backgroundRuns} at once, ${plan.streamEvents} events each`;
  ctx.rows.push(
    makeRow({ scenario: s, metric: `events/s into the log, background runs (${runs})`, unit: 'events/s', note: `${ONLY_GATEWAY}; events read by each run's follower, every one stored before it was delivered` }, { gateway: bg }),
    makeRow({ scenario: s, metric: 'events/s, same streams in the foreground (store on)', unit: 'events/s' }, { gateway: fg }),
    makeRow({ scenario: s, metric: 'events/s, background ÷ foreground', unit: '×', note: 'the cost of the log, per round' }, { gateway: byRound(bg, fg, (b, f) => b / f) }),
    makeRow({ scenario: s, metric: 'CPU per event, background run', unit: 'µs', note: ONLY_GATEWAY }, { gateway: cpu.background ?? [] }),
    makeRow({ scenario: s, metric: 'CPU per event, foreground stream (store on)', unit: 'µs' }, { gateway: cpu.foreground ?? [] }),
    makeRow({ scenario: s, metric: 'run p50, create → end, background ÷ foreground', unit: '×' }, { gateway: byRound(duration.background ?? [], duration.foreground ?? [], (b, f) => b / f) }),
    makeRow({ scenario: s, metric: 'errors, background runs', unit: 'count', budget: '= 0', check: (g) => g.max === 0 }, { gateway: errors.background ?? [] }),
  );
}

/**
 * Resumes, one at a time: `GET /v1/responses/{id}?stream=true&starting_after=N`, hung up on at its first event, timed
 * from the request to that event (each on a new connection, as a client that lost one would). A live run has sent
 * its first `streamEvents` events at once and goes on one event per 100 ms (it is cancelled afterwards): its replay
 * comes from the run in memory, then the live tail. A finished run's replay is read from the store.
 */
async function resumeLatency(ctx: BenchContext, gateway: BenchTarget): Promise<void> {
  const { plan } = ctx;
  const lead = plan.streamEvents;
  const after = lead - Math.min(RESUME_BEHIND, Math.floor(lead / 2));
  const model = (tail: number, paceMs: number): string =>
    gateway.model(mockModelName({ events: lead + tail, bodyBytes: (lead + tail) * 4, paceMs, leadEvents: paceMs > 0 ? lead : 0 }), 'responses');
  const several = <T>(make: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: plan.resumedRuns }, make));
  ctx.log(`g: ${plan.resumedRuns} finished runs and ${plan.resumedRuns} live runs to resume after event ${after}`);
  const finished = await several(() => followBackgroundRun(gateway, model(0, 0)));
  const live = await several(() => followBackgroundRun(gateway, model(LIVE_TAIL_EVENTS, LIVE_PACE_MS), lead));
  const resume = (label: string, runs: FollowedRun[]) => ({
    ...makeJob(gateway, { label, stream: true, mock: {}, concurrency: 1, count: plan.resumes, durationMs: plan.resumeMs, abortAfterEvents: 1 }),
    getPaths: runs.map((run) => `/v1/responses/${encodeURIComponent(run.id)}?stream=true&starting_after=${after}`),
  });
  let statuses: string[] = [];
  try {
    const rounds = await measureRounds(ctx, s, `resume after event ${after}, time to the first event`, [
      { key: 'live', target: gateway, job: resume('g resume a live run', live) },
      { key: 'finished', target: gateway, job: resume('g resume a finished run', finished) },
    ]);
    const [p50, p99] = [perRound(rounds, (m) => ms(m.result.firstByteUs.p50)), perRound(rounds, (m) => ms(m.result.firstByteUs.p99))];
    const note = `${ONLY_GATEWAY}; ${RESUME_BEHIND} events behind, one resume at a time on a new connection`;
    ctx.rows.push(
      makeRow({ scenario: s, metric: 'resume → first event p50, live run', unit: 'ms', note: `${note}; replayed from the run in memory` }, { gateway: p50.live ?? [] }),
      makeRow({ scenario: s, metric: 'resume → first event p99, live run', unit: 'ms' }, { gateway: p99.live ?? [] }),
      makeRow({ scenario: s, metric: 'resume → first event p50, finished run', unit: 'ms', note: `${note}; replayed from the store` }, { gateway: p50.finished ?? [] }),
      makeRow({ scenario: s, metric: 'resume → first event p99, finished run', unit: 'ms' }, { gateway: p99.finished ?? [] }),
    );
  } finally {
    statuses = await Promise.all(live.map((run) => cancelBackgroundRun(gateway, run.id)));
  }
  // Each live run must still have been running when it was cancelled, or some resumes were of a finished run.
  const ended = statuses.filter((status) => status !== 'cancelled').length;
  ctx.log(`  live runs cancelled afterwards: ${statuses.join(', ')}${ended > 0 ? ` (${ended} had ended before: lengthen LIVE_TAIL_EVENTS)` : ''}`);
}

export async function scenarioG(ctx: BenchContext): Promise<void> {
  const gateway = findTarget(ctx, 'gateway');
  if (gateway === undefined) {
    ctx.log('g: skipped, the gateway is not running');
    return;
  }
  await eventsIntoTheLog(ctx, gateway);
  await resumeLatency(ctx, gateway);
}
