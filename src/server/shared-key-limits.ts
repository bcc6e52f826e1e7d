// Per-key ceilings counted in the store every instance shares (PostgreSQL): one round trip per admit of a key with limits, none for the others.
import type { KeyUsageAnswer, KeyUsageCounters } from '../store/key-usage-counters.js';
import { DAY_MS, type KeyCeilings, type KeyLimits, MINUTE_MS, overRequests, overTokens } from './key-limits.js';

/** What failed when the shared counters did not answer: the request was let through, or its tokens not counted. */
export type KeyUsageFailure = 'admit' | 'spend' | 'forget';

export interface SharedKeyLimitsOptions {
  /** ms since the epoch (tests inject a clock). Instances' clocks pick the windows, so keep them in time (NTP). */
  now?: () => number;
  /** Told of each failure to reach the counters (to log and count it); the request goes on regardless. */
  onError?: (failure: KeyUsageFailure, error: unknown, key?: string) => void;
  /** How long an admit waits for the counters (a pool with no free connection, a locked row) before it fails open; ms. */
  admitTimeoutMs?: number;
}

/** An admit the counters do not answer within this is let through (and told to onError), as a failure is. */
export const ADMIT_TIMEOUT_MS = 2_000;

/**
 * Requests per minute are estimated from two fixed minutes: this one's count plus the previous one's, weighted by
 * how much of it the sliding minute still covers (Cloudflare's "sliding window counter"). Close to the exact
 * count when requests come evenly. Unlike two fixed minutes, it holds back a burst right after a full minute;
 * but a minute whose requests all came at its very end, followed by requests at a steady pace, lets up to
 * twice the limit pass within sixty seconds, and one whose requests came at its start lets fewer through the
 * next. Tokens per day: added when a response
 * ends (a write the answer does not wait for, but the key's next request through this instance does), compared
 * when the next request comes.
 *
 * A database error fails open: the request is let through, and `onError` is told (a warning and a metric).
 * A limit is a guard against runaway use, and refusing every request while the database stutters would turn
 * a short outage of the counters into an outage of the gateway (the request's own store writes fail anyway
 * if the database is really gone).
 */
export function countShared(
  ceilings: Map<string, KeyCeilings>,
  counters: KeyUsageCounters,
  { now = Date.now, onError = () => undefined, admitTimeoutMs = ADMIT_TIMEOUT_MS }: SharedKeyLimitsOptions = {},
): KeyLimits {
  /** The minute old windows were last deleted in: once a minute per instance, off the request path. */
  let forgotten = -1;
  /** Each key's spends this instance has not seen committed: its next admit waits for them (below). */
  const spending = new Map<string, Promise<void>>();
  return {
    admit(key) {
      const ceiling = ceilings.get(key);
      if (!ceiling) return undefined;
      const at = now();
      const minute = Math.floor(at / MINUTE_MS);
      const day = Math.floor(at / DAY_MS);
      if (minute > forgotten) {
        forgotten = minute;
        // The previous minute and day are kept: a check still reads the one, and an instance whose clock is a little behind may still write the other.
        counters.forget({ minute: minute - 1, day: day - 1 }).catch((error: unknown) => onError('forget', error));
      }
      const elapsed = at - minute * MINUTE_MS;
      const check = { key, day, tokensPerDay: ceiling.tokensPerDay, minute, requestsPerMinute: ceiling.requestsPerMinute, previousWeight: (MINUTE_MS - elapsed) / MINUTE_MS };
      // A key's tokens spent through this instance count for its next request through it, whichever commits first.
      const spent = spending.get(key);
      const answered = spent ? spent.then(() => counters.admit(check)) : counters.admit(check);
      return within(answered, admitTimeoutMs, () => new Error(`the shared key counters did not answer within ${admitTimeoutMs} ms`)).then(
        (answer) => {
          if (!answer.admitted) throw refusal(key, ceiling, answer, at);
        },
        (error: unknown) => onError('admit', error, key),
      );
    },
    spend(key, tokens) {
      if (ceilings.get(key)?.tokensPerDay === undefined || tokens <= 0) return;
      const written = counters.spend(key, Math.floor(now() / DAY_MS), tokens).catch((error: unknown) => onError('spend', error, key));
      const before = spending.get(key);
      const all = before ? Promise.all([before, written]).then(() => undefined) : written;
      spending.set(key, all);
      void all.then(() => spending.get(key) === all && spending.delete(key));
    },
  };
}

function refusal(key: string, ceiling: KeyCeilings, answer: KeyUsageAnswer, at: number) {
  if (ceiling.tokensPerDay !== undefined && answer.tokens >= ceiling.tokensPerDay) return overTokens(key, ceiling.tokensPerDay, answer.tokens, at);
  const limit = ceiling.requestsPerMinute!;
  return overRequests(key, limit, weightedMinuteWait(answer.previous, answer.current, limit, at % MINUTE_MS));
}

/**
 * ms until the weighted minute lets one more request through, if no other is counted meanwhile: a moment past
 * the point where `current + previous × (remaining of the minute)` falls under the limit, in this minute while
 * its own count is under the limit, else in the next one (where this minute's count is the previous).
 * `current` may trail the row under a race (KeyUsageAnswer); the wait is then shorter than it should be, never zero.
 */
export function weightedMinuteWait(previous: number, current: number, limit: number, elapsedMs: number): number {
  const past = 1; // the comparison is strict: one ms past the point
  if (current < limit) {
    if (previous === 0) return past;
    return Math.max(past, (MINUTE_MS * (previous - limit + current)) / previous - elapsedMs + past);
  }
  return MINUTE_MS - elapsedMs + (MINUTE_MS * (current - limit)) / current + past;
}

/** The promise, or a rejection with `timedOut()` once `ms` have passed (the promise itself goes on, unawaited). */
function within<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
