// Per-key ceilings (requests per minute, tokens per day): one small interface, and the in-process counters that implement it today.
import type { KeyConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Shared by every request of this process. A check and its count happen in one synchronous step, so
 * concurrent requests cannot both take the last unit. Counters live in memory: one gateway process per
 * SQLite file is the supported topology today; counters shared across instances come with the PostgreSQL
 * store (issue 15), behind this same interface.
 */
export interface KeyLimits {
  /** Counts one request against the key's minute, or throws a 429 (with Retry-After) when the key is over a ceiling. */
  admit(key: string): void;
  /** Adds a finished response's tokens to the key's day. */
  spend(key: string, tokens: number): void;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface KeyCounters {
  requestsPerMinute: number | undefined;
  tokensPerDay: number | undefined;
  /** When each request of the last minute came (ms), oldest first; at most requestsPerMinute of them. */
  recent: number[];
  /** The UTC day (days since the epoch) `tokens` counts. */
  day: number;
  tokens: number;
}

/** `now`: ms since the epoch (tests inject a clock). */
export function createKeyLimits(keys: KeyConfig[], now: () => number = Date.now): KeyLimits | undefined {
  const counters = new Map<string, KeyCounters>();
  for (const key of keys) {
    const { requests_per_minute: requestsPerMinute, tokens_per_day: tokensPerDay } = key.limits ?? {};
    if (requestsPerMinute === undefined && tokensPerDay === undefined) continue;
    counters.set(key.name, { requestsPerMinute, tokensPerDay, recent: [], day: 0, tokens: 0 });
  }
  if (counters.size === 0) return undefined;
  return {
    admit(key) {
      const c = counters.get(key);
      if (!c) return;
      const at = now();
      const day = Math.floor(at / DAY_MS);
      if (c.day !== day) {
        c.day = day;
        c.tokens = 0;
      }
      if (c.tokensPerDay !== undefined && c.tokens >= c.tokensPerDay) {
        throw overLimit('tokens', `Rate limit reached for key '${key}' on tokens per day: limit ${c.tokensPerDay}, used ${c.tokens}.`, (day + 1) * DAY_MS - at);
      }
      if (c.requestsPerMinute === undefined) return;
      while (c.recent.length > 0 && c.recent[0]! <= at - MINUTE_MS) c.recent.shift();
      if (c.recent.length >= c.requestsPerMinute) {
        throw overLimit('requests', `Rate limit reached for key '${key}' on requests per minute: limit ${c.requestsPerMinute}.`, c.recent[0]! + MINUTE_MS - at);
      }
      c.recent.push(at);
    },
    spend(key, tokens) {
      const c = counters.get(key);
      if (!c || c.tokensPerDay === undefined) return;
      const day = Math.floor(now() / DAY_MS);
      if (c.day !== day) {
        c.day = day;
        c.tokens = 0;
      }
      c.tokens += tokens;
    },
  };
}

/** OpenAI's 429 (type `requests` or `tokens`, code `rate_limit_exceeded`), with the seconds until a request would be let through. */
function overLimit(type: 'requests' | 'tokens', message: string, waitMs: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError({
    status: 429,
    message: `${message} Please try again in ${seconds}s.`,
    type,
    code: 'rate_limit_exceeded',
    headers: { 'retry-after': String(seconds) },
  });
}
