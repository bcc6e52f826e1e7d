// Per-key ceilings (requests per minute, tokens per day): one small interface, its 429s, and the in-process counters that implement it for a store one process owns.
import type { KeyConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Shared by every request of this process. The in-process counters (below, for SQLite: one process per file)
 * check and count in one synchronous step; the shared ones (shared-key-limits.ts, for PostgreSQL) in one
 * statement that locks the counter's row. Either way concurrent requests cannot both take the last unit.
 */
export interface KeyLimits {
  /**
   * Counts one request against the key's minute, or refuses it with a 429 (with Retry-After) when the key is over
   * a ceiling: by throwing (in process) or by rejecting (shared). A key without limits returns undefined at once
   * (nothing to await, no round trip).
   */
  admit(key: string): void | Promise<void>;
  /** Adds a finished response's tokens to the key's day. */
  spend(key: string, tokens: number): void;
}

/** One key's ceilings; a key with neither has no entry. */
export interface KeyCeilings {
  requestsPerMinute: number | undefined;
  tokensPerDay: number | undefined;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The keys that have a ceiling, by name. */
export function keyCeilings(keys: KeyConfig[]): Map<string, KeyCeilings> {
  const ceilings = new Map<string, KeyCeilings>();
  for (const key of keys) {
    const { requests_per_minute: requestsPerMinute, tokens_per_day: tokensPerDay } = key.limits ?? {};
    if (requestsPerMinute === undefined && tokensPerDay === undefined) continue;
    ceilings.set(key.name, { requestsPerMinute, tokensPerDay });
  }
  return ceilings;
}

interface KeyCounters extends KeyCeilings {
  /** When each request of the last minute came (ms), oldest first; at most requestsPerMinute of them. */
  recent: number[];
  /** The UTC day (days since the epoch) `tokens` counts. */
  day: number;
  tokens: number;
}

/** The in-process counters (an exact sliding minute). `now`: ms since the epoch (tests inject a clock). */
export function createKeyLimits(keys: KeyConfig[], now: () => number = Date.now): KeyLimits | undefined {
  const ceilings = keyCeilings(keys);
  return ceilings.size === 0 ? undefined : countInProcess(ceilings, now);
}

export function countInProcess(ceilings: Map<string, KeyCeilings>, now: () => number = Date.now): KeyLimits {
  const counters = new Map<string, KeyCounters>();
  for (const [name, ceiling] of ceilings) counters.set(name, { ...ceiling, recent: [], day: 0, tokens: 0 });
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
      if (c.tokensPerDay !== undefined && c.tokens >= c.tokensPerDay) throw overTokens(key, c.tokensPerDay, c.tokens, at);
      if (c.requestsPerMinute === undefined) return;
      while (c.recent.length > 0 && c.recent[0]! <= at - MINUTE_MS) c.recent.shift();
      if (c.recent.length >= c.requestsPerMinute) throw overRequests(key, c.requestsPerMinute, c.recent[0]! + MINUTE_MS - at);
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

/** The 429 of a key whose day's tokens reached its ceiling at `at` (ms): it may come back at the next UTC midnight. */
export function overTokens(key: string, limit: number, used: number, at: number): GatewayError {
  const midnight = (Math.floor(at / DAY_MS) + 1) * DAY_MS;
  return overLimit('tokens', `Rate limit reached for key '${key}' on tokens per day: limit ${limit}, used ${used}.`, midnight - at);
}

/** The 429 of a key at its requests per minute, whose next request would pass in `waitMs`. */
export function overRequests(key: string, limit: number, waitMs: number): GatewayError {
  return overLimit('requests', `Rate limit reached for key '${key}' on requests per minute: limit ${limit}.`, waitMs);
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
