// The clock of one upstream call: its total and idle timeouts abort the call, and a failed call becomes the 502/504 a client is told.
import type { UpstreamTimeouts } from '../config/config-schema.js';
import { GatewayError, upstreamTimeout, type UpstreamTimeoutKind } from '../errors/gateway-error.js';
import { UpstreamAbort } from './upstream-abort.js';

/** undici's own timeouts (connect, headers, gap between body chunks), as the provider's timeouts they enforce. */
const UNDICI_TIMEOUTS: Record<string, UpstreamTimeoutKind> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect_ms',
  UND_ERR_HEADERS_TIMEOUT: 'first_byte_ms',
  UND_ERR_BODY_TIMEOUT: 'idle_ms',
};

/**
 * connect_ms and first_byte_ms are undici's (the pool's `connect.timeout` and `headersTimeout`). The other
 * two are here, because undici cannot see them: its bodyTimeout restarts with every chunk, so an upstream
 * dribbling a byte a second would never be cut, while idle_ms is the gap between whole events (any
 * progress the reader makes); and total_ms spans the whole call, headers and body.
 */
export class UpstreamDeadline {
  /** Given to undici: fires when the caller aborts (the client left, the run stopped) or a timeout runs out. */
  readonly signal = new UpstreamAbort();
  /** The timeout that stopped the call, once one has. */
  expired: GatewayError | undefined;
  /**
   * One timer watches both idle_ms and total_ms, and progress only notes the time (Date.now(), 0.06 µs a
   * batch of events; resetting a timer per batch cost 0.11 µs, and a timer each for idle and total made a
   * call's set-up 1.5 µs instead of 0.9). When it fires it checks both, and arms itself again for whichever
   * ends first.
   */
  private timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  /** When upstream last made progress; undefined until its headers came (first_byte_ms is undici's). */
  private lastProgress: number | undefined;
  /** The reader has handed events on and waits for its consumer: a slow client is not a silent upstream. */
  private held = false;
  private readonly onCallerAbort = () => {
    this.finish();
    this.signal.abort();
  };

  constructor(
    readonly provider: string,
    private readonly timeouts: UpstreamTimeouts,
    private readonly caller: UpstreamAbort,
  ) {
    if (caller.aborted) this.signal.abort();
    else caller.once('abort', this.onCallerAbort);
    this.timer = setTimeout(this.check, Math.min(timeouts.idle_ms, timeouts.total_ms));
    this.timer.unref();
  }

  /** Upstream made progress (its headers came, an event, a chunk of a JSON body): the idle gap starts again. */
  progressed(): void {
    this.held = false;
    this.lastProgress = Date.now();
  }

  /** The reader waits for its consumer (until the next progressed()): idle_ms does not run out meanwhile. */
  hold(): void {
    this.held = true;
  }

  /** The call is over (read to its end, failed or abandoned): its timer stops. */
  finish(): void {
    clearTimeout(this.timer);
    this.caller.off('abort', this.onCallerAbort);
  }

  /**
   * What a failed call means for the client: the timeout that stopped it (504 `upstream_timeout`), or a
   * connection refused, reset or closed early (502 `upstream_unreachable`). The client sees the provider's
   * name; the cause (which may hold the internal URL) goes to the log only. The caller's abort and the
   * gateway's own errors pass as they are.
   */
  failure(err: unknown): unknown {
    if (this.expired) return this.expired;
    if (err instanceof GatewayError || !(err instanceof Error)) return err;
    const code = (err as { code?: unknown }).code;
    if (code === 'UND_ERR_ABORTED' || err.name === 'AbortError') return err;
    const kind = typeof code === 'string' ? UNDICI_TIMEOUTS[code] : undefined;
    const failure = kind
      ? upstreamTimeout(this.provider, kind, this.timeouts[kind], err)
      : new GatewayError({
          status: 502,
          message: `Could not reach provider "${this.provider}": the connection failed or broke.`,
          type: 'upstream_error',
          code: 'upstream_unreachable',
          cause: err,
          retryable: true,
        });
    return failure.withDetail(`${String(code ?? err.name)}: ${err.message}`);
  }

  private readonly check = () => {
    const now = Date.now();
    const totalLeft = this.startedAt + this.timeouts.total_ms - now;
    if (totalLeft <= 0) return this.expire('total_ms');
    const watched = this.lastProgress !== undefined && !this.held;
    const idleLeft = watched ? this.lastProgress! + this.timeouts.idle_ms - now : this.timeouts.idle_ms;
    if (idleLeft <= 0) return this.expire('idle_ms');
    this.timer = setTimeout(this.check, Math.min(idleLeft, totalLeft));
    this.timer.unref();
  };

  private expire(kind: 'idle_ms' | 'total_ms'): void {
    if (this.expired || this.signal.aborted) return;
    this.expired = upstreamTimeout(this.provider, kind, this.timeouts[kind]).withDetail(`the gateway's ${kind} timer ran out; the upstream call was aborted`);
    this.finish();
    this.signal.abort();
  }
}
