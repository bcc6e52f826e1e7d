// The leases of this instance's background runs: renewed while they run, polled for cancels asked for on other instances, and runs of instances that stopped renewing theirs taken over.
import type { PipelineDeps } from '../pipeline/run-response.js';
import { recoverRuns } from './recover-runs.js';
import type { RunRegistry } from './run-registry.js';

export interface RunLeaseOptions {
  /** This instance's name in the store. */
  instance: string;
  /** How long a lease holds (ms): renewed every third of it; a run whose lease has lapsed is taken over. */
  leaseMs: number;
  /** How often the store is asked whether another instance wants one of this instance's runs cancelled (ms). */
  pollMs: number;
  /** ms since the epoch (tests inject one). */
  now?: () => number;
}

export interface RunLeases {
  /** Stops the loops (after their current step); with `release`, this instance's leases end now, so another instance takes its runs at once. */
  stop(release: boolean): Promise<void>;
}

/** Runs taken over in one sweep, at most (the next sweep takes more). */
const TAKEOVER_BATCH = 16;

/**
 * Sweeps once before returning, for the runs a previous process left. `everything`: take every unfinished run
 * whatever its lease (one process per SQLite file: a run no live process holds is every run at start). Then
 * three loops, each on its own timer so that none waits for another (a long sweep never delays a renewal):
 * renew every third of the lease, sweep as often, poll for cancels and lost runs every `pollMs`.
 */
export async function startRunLeases(deps: PipelineDeps, runs: RunRegistry, options: RunLeaseOptions, everything = false): Promise<RunLeases> {
  const { instance, leaseMs, pollMs, now = Date.now } = options;
  const { store, logger } = deps;
  const live = () => runs.background().map((run) => run.id);

  const sweep = async (cutoff: number) => {
    // A run taken over while shutting down could not start here: it is left for an instance that stays.
    while (!runs.shuttingDown) {
      const taken = await store.takeOverRuns({ instance, now: cutoff, until: now() + leaseMs, running: live(), limit: TAKEOVER_BATCH });
      if (taken.length === 0) return;
      const recovered = await recoverRuns(deps, runs, taken, instance);
      deps.metrics?.runsRecovered(recovered);
      logger.warn(recovered, 'restart recovery: runs whose instance stopped (a restart, or another instance whose lease lapsed) were taken over: run again (no output yet), ended failed (output lost) or cancelled (asked for)');
      if (taken.length < TAKEOVER_BATCH) return;
    }
  };
  await sweep(everything ? Number.MAX_SAFE_INTEGER : now());

  /** Cancels asked for elsewhere are acted on; a run another instance took over is left to it (this one stalled past its lease). */
  const poll = async () => {
    const running = runs.background();
    if (running.length === 0) return;
    const state = await store.runLeaseState(instance, running.map((run) => run.id));
    for (const run of running) {
      if (state.cancelRequested.includes(run.id)) void run.cancel();
      else if (state.lost.includes(run.id)) {
        logger.error({ response_id: run.id }, 'another instance took this run over (its lease lapsed while this one could not renew it): it is left to that instance');
        run.shutDown();
      }
    }
  };
  const loops = [
    every(leaseMs / 3, () => store.renewRunLeases(instance, live(), now() + leaseMs), logger),
    every(leaseMs / 3, () => sweep(now()), logger),
    every(pollMs, poll, logger),
  ];

  return {
    async stop(release) {
      await Promise.all(loops.map((loop) => loop.stop()));
      if (release) await store.releaseRunLeases(instance).catch((err: unknown) => logger.warn({ err }, 'run leases could not be released; other instances take the runs when they lapse'));
    },
  };
}

/** Runs `step` every `ms` (after the previous one ended), logging a failure and going on; `stop` waits for a step under way. */
function every(ms: number, step: () => Promise<unknown>, logger: PipelineDeps['logger']): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const next = () => {
    timer = setTimeout(() => {
      current = step()
        .catch((err: unknown) => logger.warn({ err }, 'run leases: the store could not be read or written; trying again'))
        .then(() => (stopped ? undefined : next()));
    }, ms);
    timer.unref();
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
