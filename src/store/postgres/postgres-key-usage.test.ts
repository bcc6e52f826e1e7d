// The shared key-usage counters on a real PostgreSQL: two stores on one schema (two instances) count into the same rows, never past a ceiling.
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabases } from '../../../test/support/test-database.js';
import type { KeyUsageCheck } from '../key-usage-counters.js';
import { openStore } from '../open-store.js';
import type { ResponseStore } from '../response-store.js';

afterAll(() => dropTestDatabases());

let url: string;
let a: ResponseStore;
let b: ResponseStore;
beforeEach(async () => {
  url = await createTestDatabase();
  a = await openStore({ url, synchronous: 'full', pool_size: 4 });
  b = await openStore({ url, synchronous: 'full', pool_size: 4 });
});
afterEach(async () => {
  await a.close();
  await b.close();
});

const MINUTE = 29_000_000; // minutes since the epoch
const DAY = Math.floor(MINUTE / 1440);
const check = (over: Partial<KeyUsageCheck> = {}): KeyUsageCheck => ({ key: 'busy', day: DAY, minute: MINUTE, requestsPerMinute: 3, previousWeight: 1, ...over });

async function rows(): Promise<{ key: string; kind: string; window_start: string; count: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT key, kind, window_start, count FROM key_usage ORDER BY key, kind, window_start')).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL key usage', () => {
  it('counts a minute across stores up to its ceiling, and refuses without counting past it', async () => {
    expect(await a.keyUsage!.admit(check())).toEqual({ admitted: true, tokens: 0, previous: 0, current: 1 });
    expect(await b.keyUsage!.admit(check())).toMatchObject({ admitted: true, current: 2 });
    expect(await a.keyUsage!.admit(check())).toMatchObject({ admitted: true, current: 3 });
    expect(await b.keyUsage!.admit(check())).toEqual({ admitted: false, tokens: 0, previous: 0, current: 3 });
    expect(await a.keyUsage!.admit(check({ key: 'other' }))).toMatchObject({ admitted: true, current: 1 });
    expect(await rows()).toEqual([
      { key: 'busy', kind: 'requests', window_start: String(MINUTE), count: '3' },
      { key: 'other', kind: 'requests', window_start: String(MINUTE), count: '1' },
    ]);
  });

  it('weighs the previous minute by how much of it the sliding minute still covers', async () => {
    for (let i = 0; i < 3; i++) await a.keyUsage!.admit(check());
    const next = MINUTE + 1;
    // A third into the next minute, the previous 3 weigh 2: one more passes (0 + 2 < 3), a second does not (1 + 2).
    expect(await b.keyUsage!.admit(check({ minute: next, previousWeight: 2 / 3 }))).toEqual({ admitted: true, tokens: 0, previous: 3, current: 1 });
    expect(await b.keyUsage!.admit(check({ minute: next, previousWeight: 2 / 3 }))).toEqual({ admitted: false, tokens: 0, previous: 3, current: 1 });
    // Past two thirds they weigh under 1: the second passes.
    expect(await a.keyUsage!.admit(check({ minute: next, previousWeight: 0.3 }))).toMatchObject({ admitted: true, current: 2 });
  });

  it('never passes the ceiling however many admits race, from both stores', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).keyUsage!.admit(check({ requestsPerMinute: 7 }))));
    expect(answers.filter((answer) => answer.admitted)).toHaveLength(7);
    expect(answers.filter((answer) => answer.admitted).map((answer) => answer.current).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await rows())[0]!.count).toBe('7');
  });

  it('adds tokens to the day from any store, and refuses a request (without counting it) once the day is spent', async () => {
    await a.keyUsage!.spend('frugal', DAY, 6);
    await b.keyUsage!.spend('frugal', DAY, 5);
    const tokensOnly = check({ key: 'frugal', requestsPerMinute: undefined, tokensPerDay: 12 });
    expect(await b.keyUsage!.admit(tokensOnly)).toEqual({ admitted: true, tokens: 11, previous: 0, current: 0 });
    expect(await a.keyUsage!.admit(check({ key: 'frugal', tokensPerDay: 12 }))).toMatchObject({ admitted: true, tokens: 11, current: 1 });
    await b.keyUsage!.spend('frugal', DAY, 1);
    expect(await a.keyUsage!.admit(tokensOnly)).toMatchObject({ admitted: false, tokens: 12 });
    expect(await a.keyUsage!.admit(check({ key: 'frugal', tokensPerDay: 12 }))).toMatchObject({ admitted: false, tokens: 12, current: 1 });
    // The next day starts from nothing.
    expect(await a.keyUsage!.admit({ ...tokensOnly, day: DAY + 1 })).toMatchObject({ admitted: true, tokens: 0 });
  });

  it('forgets every key\'s minutes and days before the ones given, and keeps those', async () => {
    await a.keyUsage!.admit(check({ minute: MINUTE - 2 }));
    await a.keyUsage!.admit(check({ minute: MINUTE - 1, key: 'other' }));
    await a.keyUsage!.admit(check());
    await a.keyUsage!.spend('busy', DAY - 2, 5);
    await a.keyUsage!.spend('busy', DAY - 1, 5);
    await b.keyUsage!.forget({ minute: MINUTE - 1, day: DAY - 1 });
    expect((await rows()).map((row) => `${row.key} ${row.kind} ${row.window_start}`)).toEqual([
      `busy requests ${MINUTE}`,
      `busy tokens ${DAY - 1}`,
      `other requests ${MINUTE - 1}`,
    ]);
  });
});
