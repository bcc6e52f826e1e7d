import { describe, expect, it } from 'vitest';
import { askedDelay, retryDelay } from './retry-delay.js';

const policy = { backoffMs: 100, maxMs: 5_000 };
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('retryDelay', () => {
  it('doubles the backoff per retry, with jitter between half and all of it', () => {
    expect(retryDelay(1, policy, {}, NOW, () => 0).ms).toBe(50);
    expect(retryDelay(1, policy, {}, NOW, () => 1).ms).toBe(100);
    expect(retryDelay(3, policy, {}, NOW, () => 1).ms).toBe(400);
    expect(retryDelay(3, policy, {}, NOW, () => 0.5).ms).toBe(300);
  });

  it('caps the backoff', () => {
    expect(retryDelay(10, policy, {}, NOW, () => 1).ms).toBe(5_000);
  });

  it('honours retry-after-ms, then Retry-After in seconds or as a date, up to the cap', () => {
    expect(retryDelay(1, policy, { 'retry-after-ms': '1234' }, NOW)).toEqual({ ms: 1234, asked: 1234 });
    expect(retryDelay(1, policy, { 'retry-after': '2' }, NOW)).toEqual({ ms: 2000, asked: 2000 });
    expect(retryDelay(1, policy, { 'retry-after': new Date(NOW + 3_000).toUTCString() }, NOW)).toEqual({ ms: 3000, asked: 3000 });
    expect(retryDelay(1, policy, { 'retry-after': '120' }, NOW)).toEqual({ ms: 5000, asked: 120_000 });
    expect(retryDelay(1, policy, { 'retry-after-ms': '10', 'retry-after': '9' }, NOW).ms).toBe(10);
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(askedDelay({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(askedDelay({ 'retry-after-ms': '-1' }, NOW)).toBeUndefined();
    expect(askedDelay({ 'retry-after': new Date(NOW - 10_000).toUTCString() }, NOW)).toBe(0);
    expect(retryDelay(2, policy, { 'retry-after': 'soon' }, NOW, () => 1).ms).toBe(200);
  });
});
