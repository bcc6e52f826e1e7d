// One response's run, apart from any one request: upstream through the sequencer, the pre-output hold, the store, and numbered events to every subscriber.
import { tagEvent } from '../../transformers/maker-tag.js';
import { isTerminalEventType, type ResponseObject, type ResponsesEvent } from '../../transformers/responses-types.js';
import { Sequencer, type StreamFailure } from '../../transformers/sequencer.js';
import { GatewayError } from '../errors/gateway-error.js';
import { maskFor } from '../errors/mask-secrets.js';
import type { UpstreamRun } from '../providers/provider.js';
import { UpstreamAbort } from '../providers/upstream-abort.js';
import {
  countUsage,
  drainThenClose,
  failureOf,
  logStreamFailure,
  logWarnings,
  persist,
  recordOf,
  startingPoint,
  upstreamCall,
  withResponseId,
  type PipelineDeps,
  type ResponsePlan,
} from '../pipeline/run-response.js';
import { preOutputError, upstreamEndedEarly } from '../pipeline/pre-output-error.js';
import { RunLeaseLost } from '../store/run-lease-lost.js';
import { failureBeforeOutput, openStream, UpstreamAttempts } from './attempt-upstream.js';
import { takeForLog, type EventLog } from './event-log.js';
import { pushAfter, type RunMode, type RunOptions, type RunOutcome, type RunSink } from './run-options.js';

export type { RunMode, RunOptions, RunOutcome, RunSink } from './run-options.js';

const unixNow = () => Math.floor(Date.now() / 1000);

export class ResponseRun {
  readonly id: string;
  readonly owner: string;
  readonly mode: RunMode;
  /** Resolves when the stream may start; rejects with the HTTP error a failure before any output is (`stream` only). */
  readonly opened: Promise<void>;
  /** Resolves with the run's end. For `json`, rejects with the HTTP error; otherwise it never rejects. */
  readonly finished: Promise<RunOutcome>;
  /** Resolves when the run has stopped altogether (its end published, or abandoned); never rejects. */
  readonly ended: Promise<void>;
  private markEnded!: () => void;
  /** `background`: deliveries wait for their events to be stored, in order (see publish). */
  private delivery: Promise<void> = Promise.resolve();
  /** `background`: the terminal batch's events as the log keeps them (taken when it is stored). */
  private terminalLogged: ResponsesEvent[] | undefined;

  private readonly sequencer: Sequencer;
  private readonly abort: UpstreamAbort;
  /** Subscribers, each with the sequence number after which it wants events (a resume past the log's end). */
  private readonly sinks = new Map<RunSink, number>();
  /** `background`: every event so far (within the cap), for subscribers that join late. */
  private readonly log: EventLog | undefined;
  /** `stream`: events held until the first output; undefined once the stream has started. */
  private held: ResponsesEvent[] | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private open!: () => void;
  private refuse!: (err: unknown) => void;
  private settle!: (outcome: RunOutcome) => void;
  private reject!: (err: unknown) => void;
  /** Why the run stops early: a cancel (ends `cancelled`), shutdown (ends `failed`), or abandonment (no end at all). */
  private stopping: { kind: 'cancel' } | { kind: 'fail'; failure: StreamFailure } | { kind: 'abandon' } | undefined;

  constructor(
    private readonly deps: PipelineDeps,
    readonly plan: ResponsePlan,
    private readonly options: RunOptions,
  ) {
    this.id = plan.id;
    this.owner = plan.owner;
    this.mode = options.mode;
    this.abort = options.abort ?? new UpstreamAbort();
    const now = deps.now ?? unixNow;
    this.sequencer = new Sequencer({ ...startingPoint(plan, now), now });
    this.opened = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.refuse = reject;
    });
    this.finished = new Promise<RunOutcome>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    this.ended = new Promise<void>((resolve) => (this.markEnded = resolve));
    // Only a stream's route awaits `opened`, only a json route `finished`'s failure.
    if (this.mode !== 'stream') this.opened.catch(() => undefined);
    if (this.mode !== 'json') this.finished.catch(() => undefined);
    if (this.mode === 'stream') this.held = [];
    if (this.mode === 'background') this.log = { events: [], chars: 0, maxChars: options.maxLogChars ?? Infinity, skipped: 0 };
  }

  /**
   * Starts the run. A background run's response (queued) and input are stored first: the returned promise
   * resolves once they are durable, and only then is the client told the id.
   */
  async start(): Promise<void> {
    if (this.mode === 'background') {
      const begun = this.sequencer.begin('queued');
      if (!this.options.rerun) {
        const { owner, provider, previousResponseId, input } = recordOf(this.deps, this.plan, { response: this.sequencer.peek() });
        try {
          await this.deps.store.createRun({ owner, provider, previousResponseId, input, response: this.sequencer.peek(), request: this.plan.body, requestId: this.plan.requestId, lease: this.options.lease });
        } catch (err) {
          // Not stored, so not started: the client gets a 500 and no id.
          this.plan.logger.error({ err, response_id: this.id }, 'storing a background run failed; the client is told it failed');
          throw new GatewayError({ status: 500, message: 'The gateway could not store the response.', type: 'server_error', code: 'server_error', cause: err });
        }
      }
      this.publish(begun);
    } else if (this.mode === 'stream' && this.options.holdMs) {
      this.holdTimer = setTimeout(() => this.startWithoutOutput(), this.options.holdMs);
      this.holdTimer.unref();
    }
    void this.drive();
  }

  /** The response as it stands: live status and the output so far. */
  snapshot(): ResponseObject {
    return this.sequencer.peek();
  }

  get done(): boolean {
    return this.sequencer.done;
  }

  /**
   * Subscribes a sink: it gets the logged events after sequence number `after` now (a background run's), then
   * every batch as it is published, up to the terminal event. Returns false when the run has ended already.
   */
  subscribe(sink: RunSink, after = -1): void {
    const replay = this.log ? this.log.events.filter((e) => (e.sequence_number as number) > after) : [];
    if (replay.length > 0) void sink.push(replay);
    // A log that holds the terminal event has nothing more to send.
    if (!isTerminalEventType(replay.at(-1)?.type ?? '')) this.sinks.set(sink, after);
  }

  unsubscribe(sink: RunSink): void {
    this.sinks.delete(sink);
  }

  /** Cancels a background run: upstream is aborted and the run ends `cancelled` (stored, and sent to every subscriber). */
  async cancel(): Promise<RunOutcome> {
    if (!this.sequencer.done) this.stop({ kind: 'cancel' });
    return this.finished;
  }

  /** The client of a foreground run left: upstream is aborted, nothing is stored. */
  clientLeft(): void {
    if (this.mode !== 'background') this.stop({ kind: 'abandon' });
  }

  /**
   * The gateway is shutting down and its grace has passed: a foreground run ends `failed` (error +
   * response.failed to its client); a background run is abandoned as it stands, for restart recovery.
   */
  shutDown(): void {
    if (this.mode === 'background') this.stop({ kind: 'abandon' });
    else this.stop({ kind: 'fail', failure: { code: 'server_shutting_down', message: 'The gateway is shutting down; the response was cut short.' } });
  }

  private stop(reason: NonNullable<ResponseRun['stopping']>): void {
    if (this.stopping || this.sequencer.done) return;
    this.stopping = reason;
    this.abort.abort();
  }

  /** A stream whose upstream has said nothing by the first heartbeat starts anyway: created and in_progress now. */
  private startWithoutOutput(): void {
    const held = this.held;
    if (!held || this.stopping) return;
    held.push(...this.sequencer.begin('in_progress'));
    this.held = undefined;
    this.open();
    this.publish(held);
  }

  private async drive(): Promise<void> {
    const { deps, plan, sequencer } = this;
    let upstream: UpstreamRun | undefined = this.options.opened;
    let iterator: AsyncIterator<ResponsesEvent[]> | undefined;
    let release: (() => void) | undefined;
    /** What broke the upstream read, when something did: a client that has seen nothing gets it as its HTTP error. */
    let broke: unknown;
    let clean = false;
    try {
      if (this.options.takeSlot && !this.stopping) release = await this.options.takeSlot(this.abort);
      /** Upstream events read but not sequenced yet: the rest of the batch that brought the first output. */
      let unread: ResponsesEvent[] = [];
      /** A `store: false` run's blobs name their maker: nothing else will (see maker-tag.ts). */
      const maker = plan.store ? undefined : plan.provider.name;
      let warnings = plan.input.warnings;
      /** Until upstream's first output, a failure may be tried again, on this target or the next. */
      const attempts = new UpstreamAttempts(deps, plan);
      let output = false;
      while (!sequencer.done) {
        let emitted: ResponsesEvent[];
        try {
          if (this.stopping) throw new Error('stopped');
          if (!upstream) {
            upstream = await openStream(plan.provider, upstreamCall(deps, plan, this.abort));
            warnings = logWarnings(deps, plan, upstream.warnings);
            iterator = upstream.events[Symbol.asyncIterator]();
          }
          iterator ??= upstream.events[Symbol.asyncIterator]();
          let events: ResponsesEvent[] | undefined;
          if (unread.length > 0) {
            // This stream's first byte is out; other streams' first bytes go before the rest of its batch.
            await new Promise((resolve) => setImmediate(resolve));
            events = unread;
            unread = [];
          } else {
            const next = await iterator.next();
            events = next.done ? undefined : next.value;
            if (events && maker !== undefined) for (let i = 0; i < events.length; i++) events[i] = tagEvent(events[i]!, maker);
          }
          if (this.stopping) throw new Error('stopped');
          if (!output) {
            // An in-band error, or an end, before any output: another attempt when routing allows one.
            const failed = events === undefined ? upstreamEndedEarly() : failureBeforeOutput(events);
            if (failed && (await this.tryAgain(failed, attempts, iterator))) {
              upstream = iterator = undefined;
              continue;
            }
            if (this.stopping) throw new Error('stopped');
            if (events?.some((event) => !Sequencer.isLifecycle(event))) {
              output = true;
              attempts.served();
            }
          }
          if (events === undefined) emitted = sequencer.end();
          else if (this.held) {
            // Until the first output, one event at a time: the first output ends the batch that is emitted now.
            emitted = [];
            let k = 0;
            while (k < events.length && emitted.every(Sequencer.isLifecycle)) emitted.push(...sequencer.push(events[k++]!));
            unread = events.slice(k);
          } else emitted = sequencer.pushAll(events);
        } catch (err) {
          const stopping = this.stopping;
          if (stopping?.kind === 'abandon') return;
          if (stopping?.kind === 'cancel') emitted = sequencer.cancel();
          else if (stopping?.kind === 'fail') emitted = sequencer.fail(stopping.failure);
          else {
            if (!output && !this.abort.aborted && (await this.tryAgain(err, attempts, iterator))) {
              upstream = iterator = undefined;
              unread = [];
              continue;
            }
            if (this.stopping) continue; // stopped during a retry's wait: the loop's top ends it as asked
            if (this.abort.aborted) return;
            broke = err;
            emitted = sequencer.fail(failureOf(err, maskFor(deps.config)));
          }
        }
        if (emitted.length === 0) continue;
        if (this.held) {
          this.held.push(...emitted);
          const first = this.held.find((e) => !Sequencer.isLifecycle(e));
          if (!first) continue;
          if (first.type === 'error' || first.type === 'response.failed') throw this.preOutputFailure(broke, first);
          emitted = this.held;
          this.held = undefined;
          clearTimeout(this.holdTimer);
          this.open();
        }
        const terminal = emitted.at(-1)!.type;
        if (isTerminalEventType(terminal)) emitted = await this.finish(emitted, upstream, warnings, broke);
        await this.publish(emitted);
      }
      clean = true;
    } catch (err) {
      // Only a failure the client sees as its HTTP error lands here: the run ends without storing anything.
      const error = withResponseId(err, plan);
      this.refuse(error);
      this.reject(error);
    } finally {
      clearTimeout(this.holdTimer);
      release?.();
      if (clean && iterator) drainThenClose(iterator, this.abort);
      else this.abort.abort();
      await this.delivery;
      // A client that left (or a run abandoned at shutdown) has a route still waiting: it is released, with
      // nothing to answer (the socket is gone) and nothing logged.
      const gone = new GatewayError({ status: 499, message: 'The run stopped before its end: its client left.', type: 'invalid_request_error', code: 'client_closed' });
      this.refuse(gone);
      this.reject(gone);
      if (!sequencer.done || this.stopping?.kind === 'abandon') this.abandonSinks();
      this.sinks.clear();
      this.markEnded();
    }
  }

  /**
   * The terminal batch: the run is stored before any client is told it ended (a `json` client's failure is its
   * HTTP error instead, and is not stored). A store that fails turns the end into `error` + `response.failed`.
   */
  private async finish(emitted: ResponsesEvent[], upstream: UpstreamRun | undefined, warnings: ResponsePlan['input']['warnings'], broke: unknown): Promise<ResponsesEvent[]> {
    const { deps, plan, sequencer } = this;
    const response = sequencer.response;
    if (this.mode === 'json' && response.status === 'failed') throw broke instanceof GatewayError ? broke : preOutputError(response.error);
    // A stream's failure reaches no HTTP error handler: it is logged here, once.
    if (response.status === 'failed') logStreamFailure(deps, plan, response.error, broke, this.mode === 'background' ? 'background run failed' : 'stream failed after output');
    const outcome = { response, upstreamId: sequencer.upstreamId, exchange: upstream?.exchange, warnings };
    let json: string;
    try {
      if (this.mode === 'background') {
        this.terminalLogged = takeForLog(this.log!, emitted);
        countUsage(deps, plan, response);
        json = await deps.store.finishRun({ ...recordOf(deps, plan, outcome), input: [], holder: this.holder }, this.terminalLogged);
      }
      else json = await persist(deps, plan, outcome);
    } catch (err) {
      // Another instance holds the run now: its end is that instance's to write and send; this one stops here.
      if (err instanceof RunLeaseLost) return (this.leaseLost(err), this.settle({ response, json: JSON.stringify(response) }), []);
      // Not stored, so not acknowledged: a streaming client is told in the stream that the response failed.
      if (this.mode === 'json') throw err;
      // persist() logs its own failure; a background run's is logged here.
      if (this.mode === 'background') plan.logger.error({ err, response_id: plan.id }, 'storing the response failed; its subscribers are told it failed');
      const retracted = sequencer.retractTerminal(failureOf(err, maskFor(deps.config)));
      // A background run's subscribers see only logged events: of this batch, none was stored; its end (an
      // `error` it carried, then response.failed) is sent all the same.
      emitted = this.log ? [...emitted.filter((event) => event.type === 'error'), ...retracted] : [...emitted.slice(0, -1), ...retracted];
      if (this.log) this.terminalLogged = [];
      json = JSON.stringify(sequencer.response);
    }
    this.settle({ response: sequencer.response, json });
    return emitted;
  }

  /**
   * Sends a batch to every subscriber. A foreground run waits for its client, and stops when it left. A
   * background run delivers a batch once its events are stored (a client never sees an event that restart
   * recovery would not know of), in order, and waits for no subscriber; its terminal batch is stored already.
   */
  private publish(events: ResponsesEvent[]): void | Promise<void> {
    const log = this.log;
    if (log) {
      const terminal = isTerminalEventType(events.at(-1)!.type);
      const logged = terminal ? this.terminalLogged ?? [] : takeForLog(log, events);
      // A batch that cannot be logged is not delivered (a client never sees an event the store lacks): the run fails.
      const stored = terminal || logged.length === 0 ? true : this.deps.store.appendEvents(this.id, logged, this.holder).then(() => true, (err: unknown) => this.logFailed(err));
      if (events.some((event) => event.type === 'response.in_progress')) {
        this.deps.store.updateRun(this.id, this.sequencer.peek(), this.holder).catch((err: unknown) => this.storeFailed(err, 'updating'));
      }
      const deliver = (ok: boolean) => {
        if (!ok) return;
        for (const event of logged) log.events.push(event);
        for (const [sink, after] of this.sinks) void pushAfter(sink, events, after);
      };
      this.delivery = this.delivery.then(() => stored).then(deliver);
      return;
    }
    for (const sink of this.sinks.keys()) {
      const ready = sink.push(events);
      if (ready !== true) return ready.then((present) => (present ? undefined : this.clientLeft()));
    }
  }

  /** The instance that holds this background run: its writes are applied only while it does. */
  private get holder(): string | undefined {
    return this.options.lease?.instance;
  }

  private storeFailed(err: unknown, what: string): void {
    if (err instanceof RunLeaseLost) return this.leaseLost(err);
    this.plan.logger.error({ err, response_id: this.id }, `${what} a background run failed`);
  }

  private logFailed(err: unknown): false {
    this.storeFailed(err, 'logging');
    this.stop({ kind: 'fail', failure: { code: 'server_error', message: 'The gateway could not store the response.' } });
    return false;
  }

  /** Another instance took the run over (this one could not renew its lease in time): it is left to that one, as it stands. */
  private leaseLost(err: RunLeaseLost): void {
    if (this.stopping?.kind !== 'abandon') this.plan.logger.error({ err, response_id: this.id }, 'another instance took this run over: it is left to that instance');
    this.stopping = { kind: 'abandon' };
    this.abort.abort();
  }

  /** Asks routing for another attempt (which may wait out a retry's delay), and closes the failed one's stream if so. */
  private async tryAgain(err: unknown, attempts: UpstreamAttempts, iterator: AsyncIterator<ResponsesEvent[]> | undefined): Promise<boolean> {
    const again = (await attempts.recover(err, this.abort)) && !this.stopping;
    // A stream that is given up may still be open (an in-band error): its socket is let go.
    if (again) iterator?.return?.().catch(() => undefined);
    return again;
  }

  private preOutputFailure(broke: unknown, first: ResponsesEvent): GatewayError {
    if (broke instanceof GatewayError) return broke;
    if (first.type === 'error') return preOutputError({ code: String(first.code), message: String(first.message) });
    return preOutputError(this.sequencer.response.error);
  }

  private abandonSinks(): void {
    for (const sink of this.sinks.keys()) sink.abandon();
  }
}
