import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextAttempt } from './next-attempt.js';

const endpoint = { retry_initial_s: 5, retry_max_age_h: 72 };
const t0 = 1_800_000_000_000;
const middle = () => 0.5;

describe('nextAttempt', () => {
  it('doubles from retry_initial_s', () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => nextAttempt(endpoint, attempts, t0, t0, middle));
    expect(delays.map((next) => (next.type === 'retry' ? next.delayMs : undefined))).toEqual([5000, 10_000, 20_000, 40_000, 80_000]);
  });

  it('jitters each delay by up to 20% either way', () => {
    expect(nextAttempt(endpoint, 3, t0, t0, () => 0)).toEqual({ type: 'retry', at: t0 + 16_000, delayMs: 16_000 });
    expect(nextAttempt(endpoint, 3, t0, t0, () => 0.999_999)).toMatchObject({ delayMs: 24_000 });
  });

  it('keeps retries at most an hour apart', () => {
    expect(nextAttempt(endpoint, 40, t0, t0, middle)).toMatchObject({ delayMs: MAX_RETRY_DELAY_MS });
  });

  it('makes the last attempt at retry_max_age_h after the end, and gives up after it', () => {
    const deadline = t0 + 72 * 3_600_000;
    expect(nextAttempt(endpoint, 30, t0, deadline - 1000, middle)).toEqual({ type: 'retry', at: deadline, delayMs: 1000 });
    expect(nextAttempt(endpoint, 31, t0, deadline, middle)).toEqual({ type: 'give-up' });
  });
});
