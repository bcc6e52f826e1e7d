// The in-process key limits on an injected clock: the sliding minute, the UTC day, Retry-After, and openKeyLimits choosing them for a store without shared counters.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.js';
import { createKeyLimits } from './key-limits.js';
import { openKeyLimits } from './open-key-limits.js';

const refusal = (fn: () => void): GatewayError => {
  try {
    fn();
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('not refused');
};

describe('createKeyLimits', () => {
  it('is absent when no key has a limit', () => {
    expect(createKeyLimits([{ name: 'a', key: 'k' }])).toBeUndefined();
  });

  it('lets requests_per_minute through in any sliding minute, and says when the next one may come', () => {
    let now = 1_000_000;
    const limits = createKeyLimits([{ name: 'a', key: 'k', limits: { requests_per_minute: 2 } }], () => now)!;
    limits.admit('a');
    now += 20_000;
    limits.admit('a');
    const err = refusal(() => limits.admit('a'));
    expect(err.status).toBe(429);
    expect(err.headers['retry-after']).toBe('40');
    limits.admit('b'); // a key without limits
    now += 40_000; // the first request left the minute
    limits.admit('a');
    expect(refusal(() => limits.admit('a')).headers['retry-after']).toBe('20');
  });

  it('counts tokens_per_day per UTC day', () => {
    let now = Date.UTC(2026, 0, 1, 23, 59, 0);
    const limits = createKeyLimits([{ name: 'a', key: 'k', limits: { tokens_per_day: 100 } }], () => now)!;
    limits.admit('a');
    limits.spend('a', 99);
    limits.admit('a');
    limits.spend('a', 5);
    const err = refusal(() => limits.admit('a'));
    expect(err.type).toBe('tokens');
    expect(err.headers['retry-after']).toBe('60');
    now += 60_000; // midnight
    limits.admit('a');
  });

  it('is what openKeyLimits gives for a store without shared counters (SQLite): checked in one synchronous step', () => {
    const keys = [{ name: 'a', key: 'k', limits: { requests_per_minute: 1 } }];
    expect(openKeyLimits([{ name: 'a', key: 'k' }], {})).toBeUndefined();
    const limits = openKeyLimits(keys, {}, { now: () => 0 })!;
    expect(limits.admit('a')).toBeUndefined();
    expect(refusal(() => limits.admit('a')).headers['retry-after']).toBe('60');
  });
});
