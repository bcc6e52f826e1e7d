// When a failed delivery is tried again: doubling from retry_initial_s, with jitter, until retry_max_age_h after the response's end.
import type { WebhookConfig } from '../config/config-schema.js';

/** Retries are at most this far apart, however many have failed. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** Each delay is this much either side of its nominal value, at random: endpoints that come back are not hit by every retry at once. */
export const JITTER = 0.2;

export type NextAttempt = { type: 'retry'; at: number; delayMs: number } | { type: 'give-up' };

/**
 * After `attempts` failed attempts (counting the one just made), the next one's time: the n-th retry waits
 * retry_initial_s × 2^(n-1), ±20%, capped at an hour; the last one is made at the deadline itself.
 */
export function nextAttempt(
  endpoint: Pick<WebhookConfig, 'retry_initial_s' | 'retry_max_age_h'>,
  attempts: number,
  createdAt: number,
  now: number,
  random: () => number = Math.random,
): NextAttempt {
  const deadline = createdAt + endpoint.retry_max_age_h * 3_600_000;
  if (now >= deadline) return { type: 'give-up' };
  const nominal = Math.min(endpoint.retry_initial_s * 1000 * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
  const delayMs = Math.round(nominal * (1 - JITTER + 2 * JITTER * random()));
  const at = Math.min(now + delayMs, deadline);
  return { type: 'retry', at, delayMs: at - now };
}
