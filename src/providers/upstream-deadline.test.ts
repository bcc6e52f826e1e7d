import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../errors/gateway-error.js';
import { UpstreamAbort } from './upstream-abort.js';
import { UpstreamDeadline } from './upstream-deadline.js';

const TIMEOUTS = { connect_ms: 100, first_byte_ms: 200, idle_ms: 300, total_ms: 1_000 };

describe('UpstreamDeadline (on a fake clock)', () => {
  let caller: UpstreamAbort;
  let deadline: UpstreamDeadline;
  beforeEach(() => {
    vi.useFakeTimers();
    caller = new UpstreamAbort();
    deadline = new UpstreamDeadline('p', TIMEOUTS, caller);
  });
  afterEach(() => {
    deadline.finish();
    vi.useRealTimers();
  });

  it('idle_ms runs from the last progress and aborts the call with a 504 naming it', () => {
    deadline.progressed();
    vi.advanceTimersByTime(250);
    deadline.progressed();
    vi.advanceTimersByTime(250);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(50);
    expect(deadline.signal.aborted).toBe(true);
    expect(caller.aborted).toBe(false);
    const failure = deadline.failure(new Error('aborted')) as GatewayError;
    expect(failure).toMatchObject({ status: 504, code: 'upstream_timeout', retryable: true });
    expect(failure.message).toContain('timeouts.idle_ms');
  });

  it('idle_ms does not run out while the reader waits for its consumer, and starts again when it asks for more', () => {
    deadline.progressed();
    deadline.hold();
    vi.advanceTimersByTime(2 * TIMEOUTS.idle_ms);
    expect(deadline.signal.aborted).toBe(false);
    deadline.progressed();
    vi.advanceTimersByTime(TIMEOUTS.idle_ms);
    expect(deadline.expired?.message).toContain('timeouts.idle_ms');
  });

  it('total_ms caps a call that keeps progressing', () => {
    for (let t = 0; t < 999; t += 100) {
      deadline.progressed();
      vi.advanceTimersByTime(100);
    }
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired?.message).toBe('Provider "p" did not finish its answer within 1000 ms (timeouts.total_ms).');
  });

  it("the caller's abort aborts the call and stops the timers: no timeout is reported after it", () => {
    deadline.progressed();
    caller.abort();
    expect(deadline.signal.aborted).toBe(true);
    vi.advanceTimersByTime(10 * TIMEOUTS.total_ms);
    expect(deadline.expired).toBeUndefined();
    const aborted = Object.assign(new Error('Request aborted'), { code: 'UND_ERR_ABORTED' });
    expect(deadline.failure(aborted)).toBe(aborted);
  });

  it("turns undici's own timeouts into the provider's timeout they enforce, and anything else into 502 upstream_unreachable", () => {
    const undici = (code: string) => deadline.failure(Object.assign(new Error(code), { code })) as GatewayError;
    expect(undici('UND_ERR_CONNECT_TIMEOUT').message).toContain('within 100 ms (timeouts.connect_ms)');
    expect(undici('UND_ERR_HEADERS_TIMEOUT').message).toContain('within 200 ms (timeouts.first_byte_ms)');
    expect(undici('UND_ERR_BODY_TIMEOUT').message).toContain('within 300 ms (timeouts.idle_ms)');
    const reset = undici('ECONNRESET');
    expect(reset).toMatchObject({ status: 502, code: 'upstream_unreachable', retryable: true, detail: 'ECONNRESET: ECONNRESET' });
    expect(reset.cause).toBeInstanceOf(Error);
  });
});
