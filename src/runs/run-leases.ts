// The leases of this instance's background runs: renewed while they run, polled for cancels asked for on other instances, and runs of instances that stopped renewing theirs taken over.
import type { PipelineDeps } from '../pipeline/run-response.js';
import { recoverRuns } from './recover-runs.js';
import type { RunRegistry } from './run-registry.js';

export interface RunLeaseOptions {
  /** This instance's name in the store. */
  instance: string;
  /** How long a lease holds (ms): renewed every third of it; a run whose lease has lapsed this long is taken over. */
  leaseMs: number;
  /** How often the store is asked whether another instance wants one of this instance's runs cancelled (ms). */
  pollMs: number;
  /** ms since the epoch (tests inject one). */
  now?: () => number;
}

export interface RunLeases {
  /** Stops the loop (after its current step); with `release`, this instance's leases end now, so another instance takes its runs at once. */
  stop(release: boolean): Promise<void>;
}

/** Runs taken over in one sweep, at most (the next sweep takes more). */
const TAKEOVER_BATCH = 16;

/**
 * Sweeps once before returning, for the runs a previous process left. `everything`: take every unfinished run
 * whatever its lease (one process per SQLite file: a run no live process holds is every run at start).
 */
export async function startRunLeases(deps: PipelineDeps, runs: RunRegistry, options: RunLeaseOptions, everything = false): Promise<RunLeases> {
  const { instance, leaseMs, pollMs, now = Date.now } = options;
  const { store, logger } = deps;

  const sweep = async (cutoff: number) => {
    for (;;) {
      const running = runs.background().map((run) => run.id);
      const taken = await store.takeOverRuns({ instance, now: cutoff, until: now() + leaseMs, running, limit: TAKEOVER_BATCH });
      if (taken.length === 0) return;
      const recovered = await recoverRuns(deps, runs, taken);
      deps.metrics?.runsRecovered(recovered);
      logger.warn(recovered, 'restart recovery: runs whose instance stopped (a restart, or another instance whose lease lapsed) were taken over: run again (no output yet), ended failed (output lost) or cancelled (asked for)');
      if (taken.length < TAKEOVER_BATCH) return;
    }
  };
  await sweep(everything ? Number.MAX_SAFE_INTEGER : now());

  /** Cancels asked for elsewhere are acted on; a run another instance took over is left (this one stalled past its lease). */
  const poll = async () => {
    const live = runs.background();
    if (live.length === 0) return;
    const state = await store.runLeaseState(
      instance,
      live.map((run) => run.id),
    );
    for (const run of live) {
      if (state.cancelRequested.includes(run.id)) void run.cancel();
      else if (state.lost.includes(run.id)) {
        logger.error({ response_id: run.id }, 'another instance took this run over (its lease lapsed while this one could not renew it): it is left to that instance');
        run.shutDown();
      }
    }
  };
  const renew = async () => {
    const live = runs.background().map((run) => run.id);
    await store.renewRunLeases(instance, live, now() + leaseMs);
    // A run taken over while shutting down could not start here: it is left for an instance that stays.
    if (!runs.shuttingDown) await sweep(now());
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let step: Promise<void> = Promise.resolve();
  let nextRenewal = now() + leaseMs / 3;
  const loop = () => {
    timer = setTimeout(() => {
      step = (async () => {
        try {
          await poll();
          if (now() >= nextRenewal) {
            nextRenewal = now() + leaseMs / 3;
            await renew();
          }
        } catch (err) {
          logger.warn({ err }, 'run leases: the store could not be read or written; trying again');
        }
        if (!stopped) loop();
      })();
    }, pollMs);
    timer.unref();
  };
  loop();

  return {
    async stop(release) {
      stopped = true;
      clearTimeout(timer);
      await step;
      if (release) await store.releaseRunLeases(instance).catch((err: unknown) => logger.warn({ err }, 'run leases could not be released; other instances take the runs when they lapse'));
    },
  };
}
