// The live runs of this process, by owner and id: start, find, cancel; slots for background runs; draining on shutdown.
import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamRun } from '../providers/provider.js';
import type { UpstreamAbort } from '../providers/upstream-abort.js';
import type { ResponseObject } from '../../transformers/responses-types.js';
import type { PipelineDeps, ResponsePlan } from '../pipeline/run-response.js';
import { ResponseRun, type RunMode } from './response-run.js';

export interface RegistryLimits {
  /** Background runs that call upstream at once; more wait `queued`. */
  maxConcurrent: number;
  /** A stream's hold before it starts without output (the heartbeat interval), ms; 0: no limit. */
  holdMs: number;
  /** A background run's largest event log, in characters. */
  maxLogChars: number;
  /** This instance's name in the store's run leases, and how long a lease it takes (ms). */
  instance: string;
  leaseMs: number;
  /** How often a run another instance holds is read again (its stream followed, its cancel waited for), ms. */
  pollMs: number;
}

/** Whether a stored response is a run still going on (somewhere). */
export const isRunning = (response: ResponseObject) => response.status === 'queued' || response.status === 'in_progress';

/** What a request that comes while the gateway shuts down, or that shutdown stopped, is answered. */
export const shuttingDown = () =>
  new GatewayError({ status: 503, message: 'The gateway is shutting down; send the request again.', type: 'server_error', code: 'server_shutting_down' });

/** A non-streaming call that is not a run (one upstream body): shutdown waits for it, then stops it. */
export interface TrackedCall {
  /** Whether shutdown stopped it. */
  readonly cut: boolean;
  end(): void;
}

export class RunRegistry {
  private readonly runs = new Map<string, ResponseRun>();
  private readonly calls = new Map<UpstreamAbort, { ended: Promise<void>; end: () => void; cut: boolean }>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private refusing = false;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly limits: RegistryLimits,
  ) {}

  /**
   * Starts a run. Resolves once it is under way: for a background run, once its first state is stored (the
   * client may then be told its id). `opened`: upstream already answered with a stream; `rerun`: restart recovery.
   */
  async start(plan: ResponsePlan, mode: RunMode, extra: { opened?: UpstreamRun; abort?: UpstreamAbort; rerun?: boolean } = {}): Promise<ResponseRun> {
    if (this.refusing) throw shuttingDown();
    const run = new ResponseRun(this.deps, plan, {
      mode,
      holdMs: this.limits.holdMs,
      maxLogChars: this.limits.maxLogChars,
      takeSlot: mode === 'background' ? (stopped) => this.takeSlot(stopped) : undefined,
      lease: mode === 'background' ? { instance: this.limits.instance, until: Date.now() + this.limits.leaseMs } : undefined,
      ...extra,
    });
    this.runs.set(run.id, run);
    void run.ended.then(() => {
      if (this.runs.get(run.id) === run) this.runs.delete(run.id);
    });
    try {
      await run.start();
    } catch (err) {
      this.runs.delete(run.id);
      throw err;
    }
    return run;
  }

  /** Tracks a non-streaming call for shutdown (refused while shutting down); `end` when it has its answer. */
  track(abort: UpstreamAbort): TrackedCall {
    if (this.refusing) throw shuttingDown();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const call = { ended, cut: false, end: () => (this.calls.delete(abort), end()) };
    this.calls.set(abort, call);
    return call;
  }

  /** The caller's live run with this id, if one runs in this process. */
  get(owner: string, id: string): ResponseRun | undefined {
    const run = this.runs.get(id);
    return run?.owner === owner ? run : undefined;
  }

  /**
   * Cancels the owner's background run another instance runs: asks that instance through the store, then waits
   * for the end it stores (an instance that died ends it `cancelled` when its lease is taken over). Resolves with
   * the response as stored then (still running if the end did not come in twice the lease); undefined when no
   * such run goes on (ended, or not the owner's).
   */
  async cancelElsewhere(owner: string, id: string): Promise<ResponseObject | undefined> {
    if (!(await this.deps.store.requestRunCancel(owner, id))) return undefined;
    const deadline = Date.now() + 2 * this.limits.leaseMs;
    for (;;) {
      const response = await this.deps.store.getResponse(owner, id);
      if (!response || !isRunning(response) || Date.now() >= deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, this.limits.pollMs));
    }
  }

  /** This process's live background runs (those whose leases it keeps). */
  background(): ResponseRun[] {
    return [...this.runs.values()].filter((run) => run.mode === 'background');
  }

  get size(): number {
    return this.runs.size;
  }

  /** Whether shutdown has begun (readyz answers 503). */
  get shuttingDown(): boolean {
    return this.refusing;
  }

  /** Shutdown begins: new runs are refused (a request on a connection still open gets a 503). */
  refuseNew(): void {
    this.refusing = true;
  }

  /**
   * Shutdown: waits up to `graceMs` for foreground runs to end on their own, then ends the rest (a foreground
   * run `failed`, to its client; a background run abandoned as it stands, for restart recovery) and waits for them to stop.
   */
  async drain(graceMs: number): Promise<{ ended: number; cut: number; abandoned: number }> {
    const foreground = () => [...[...this.runs.values()].filter((run) => run.mode !== 'background').map((run) => run.ended), ...[...this.calls.values()].map((call) => call.ended)];
    const open = foreground().length;
    if (open > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all(foreground()), grace]);
      clearTimeout(timer);
    }
    const left = [...this.runs.values()];
    const calls = [...this.calls.entries()];
    for (const run of left) run.shutDown();
    for (const [abort, call] of calls) {
      call.cut = true;
      abort.abort();
    }
    await Promise.all([...left.map((run) => run.ended), ...calls.map(([, call]) => call.ended)]);
    const abandoned = left.filter((run) => run.mode === 'background').length;
    const cut = left.length - abandoned + calls.length;
    return { ended: open - cut, cut, abandoned };
  }

  /** A slot to run a background run upstream; waits (queued) while `maxConcurrent` run. */
  private takeSlot(stopped: UpstreamAbort): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
    if (this.running < this.limits.maxConcurrent) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      const take = () => {
        stopped.off('abort', giveUp);
        this.running++;
        resolve(release);
      };
      const giveUp = () => {
        const at = this.waiting.indexOf(take);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(() => undefined);
      };
      this.waiting.push(take);
      stopped.once('abort', giveUp);
    });
  }
}
