// The shared key limits over a real PostgreSQL store, on an injected clock: the weighted minute, its Retry-After, tokens across instances, and failing open.
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabases } from '../../test/support/test-database.js';
import type { GatewayError } from '../errors/gateway-error.js';
import { openStore } from '../store/open-store.js';
import type { ResponseStore } from '../store/response-store.js';
import type { KeyLimits } from './key-limits.js';
import { openKeyLimits } from './open-key-limits.js';
import { type KeyUsageFailure, weightedMinuteWait } from './shared-key-limits.js';

afterAll(() => dropTestDatabases());

const refusal = async (admitting: void | Promise<void>): Promise<GatewayError> => {
  try {
    await admitting;
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('not refused');
};

describe('weightedMinuteWait', () => {
  it('waits in this minute while its own count is under the limit, for the previous one to weigh less', () => {
    // limit 3, previous 3, current 1, 10 s in: passes once 1 + 3 × (60 - t)/60 < 3, i.e. t > 20 s.
    expect(weightedMinuteWait(3, 1, 3, 10_000)).toBe(10_001);
    // Nothing weighs from before: only a race (a trailing count) refuses it, and then it is a moment.
    expect(weightedMinuteWait(0, 2, 3, 10_000)).toBe(1);
  });

  it('waits into the next minute when this one is full', () => {
    // Full at 3 of 3, 15 s in: the next minute lets one through as soon as this one weighs under 1.
    expect(weightedMinuteWait(0, 3, 3, 15_000)).toBe(45_001);
    // Past the limit (a race on a ceiling lowered): 4 must weigh under 3, a quarter into the next minute.
    expect(weightedMinuteWait(2, 4, 3, 15_000)).toBe(60_001);
  });
});

describe('shared key limits', () => {
  const KEYS = [
    { name: 'busy', key: 'k1', limits: { requests_per_minute: 3 } },
    { name: 'frugal', key: 'k2', limits: { tokens_per_day: 10 } },
    { name: 'free', key: 'k3' },
  ];
  let url: string;
  let stores: ResponseStore[];
  let now: number;
  const failures: KeyUsageFailure[] = [];
  const limitsOn = (store: ResponseStore): KeyLimits =>
    openKeyLimits(KEYS, store, { now: () => now, onError: (failure) => failures.push(failure) })!;

  beforeEach(async () => {
    url = await createTestDatabase();
    stores = [await openStore({ url, synchronous: 'full', pool_size: 2 }), await openStore({ url, synchronous: 'full', pool_size: 2 })];
    now = Date.UTC(2026, 11, 1, 8, 0, 15); // 15 s into a minute
    failures.length = 0;
  });
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it('shares a key\'s minute between instances, and says when the next request may come', async () => {
    const [a, b] = stores.map(limitsOn) as [KeyLimits, KeyLimits];
    await a.admit('busy');
    await a.admit('busy');
    await b.admit('busy');
    const refused = await refusal(b.admit('busy'));
    expect(refused.status).toBe(429);
    expect(refused.type).toBe('requests');
    expect(refused.headers['retry-after']).toBe('46'); // the minute's end, and a moment
    expect((await refusal(a.admit('busy'))).headers['retry-after']).toBe('46');
    expect(a.admit('free')).toBeUndefined(); // no limits: nothing to wait for
    now += 46_000; // 1 s into the next minute: the full minute before weighs 2.95
    await b.admit('busy');
    expect((await refusal(a.admit('busy'))).headers['retry-after']).toBe('20'); // 1 + 3 × (60 - t)/60 < 3 from t = 20 s
    expect(failures).toEqual([]);
  });

  it('refuses on one instance the tokens spent on the other, until the next UTC day', async () => {
    const [a, b] = stores.map(limitsOn) as [KeyLimits, KeyLimits];
    await a.admit('frugal');
    a.spend('frugal', 24);
    // The spend is not awaited by the response: A's next request waits for it, B's sees it once it is committed.
    const onA = await refusal(a.admit('frugal'));
    expect(onA.type).toBe('tokens');
    expect(onA.message).toContain('used 24');
    const onB = await refusal(b.admit('frugal'));
    expect(onB.headers['retry-after']).toBe(String(16 * 3600 - 15)); // to midnight
    now = Date.UTC(2026, 11, 2, 0, 0, 0);
    await b.admit('frugal');
    expect(failures).toEqual([]);
  });

  it('lets a request through when the counters do not answer in time (a row locked elsewhere), and says so', async () => {
    const limits = openKeyLimits(KEYS, stores[0]!, { now: () => now, onError: (failure) => failures.push(failure), admitTimeoutMs: 200 })!;
    await limits.admit('busy');
    // Another session holds the key's minute row: the next admit's upsert waits on it.
    const session = new pg.Client({ connectionString: url });
    await session.connect();
    try {
      await session.query('BEGIN');
      await session.query("SELECT count FROM key_usage WHERE key = 'busy' FOR UPDATE");
      await limits.admit('busy');
      expect(failures).toEqual(['admit']);
    } finally {
      await session.query('ROLLBACK');
      await session.end();
    }
  });

  it('lets requests through when the counters cannot be reached, and says so', async () => {
    const limits = limitsOn(stores[0]!);
    await stores[0]!.close();
    await limits.admit('busy');
    limits.spend('frugal', 5);
    await limits.admit('frugal'); // waits for the failed spend, then fails open itself
    expect(failures.sort()).toEqual(['admit', 'admit', 'forget', 'spend']);
  });
});
