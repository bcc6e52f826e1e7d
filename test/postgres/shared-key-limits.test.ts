// Two gateways on one PostgreSQL schema share each key's limits (keys[].limits): a minute, a day's tokens, and a crowd of concurrent requests, on an injected clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import { fixtureReply, startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';
import { authHeaders, testConfig } from '../support/test-gateway.js';
import { createTestDatabase, dropTestDatabases } from '../support/test-database.js';

const KEYS = [
  { name: 'busy', key: 'sk-test-busy', limits: { requests_per_minute: 3 } },
  { name: 'frugal', key: 'sk-test-frugal', limits: { tokens_per_day: 10 } },
  { name: 'crowd', key: 'sk-test-crowd', limits: { requests_per_minute: 5 } },
];
/** 15 s into a minute, 16 hours before a UTC midnight. */
let now = Date.UTC(2026, 11, 1, 8, 0, 15);

const dir = mkdtempSync(join(tmpdir(), 'junction-shared-limits-'));
let databaseUrl: string;
let upstream: MockUpstream;
let a: RunningGateway;
let b: RunningGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  databaseUrl = await createTestDatabase();
  const config = testConfig(upstream.url, dir, { keys: KEYS, database: { url: databaseUrl } });
  a = await startGateway(config, pino({ level: 'silent' }), { clockMs: () => now });
  b = await startGateway(config, pino({ level: 'silent' }), { clockMs: () => now });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await upstream?.close();
  await dropTestDatabases();
  rmSync(dir, { recursive: true, force: true });
});

const create = (gateway: RunningGateway, key: string) =>
  fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
const answers = (n: number) => upstream.reply('/v1/responses', ...Array.from({ length: n }, () => fixtureReply('openai/text-with-conversation.sse')));

describe('keys[].limits on PostgreSQL, across instances', () => {
  it('requests_per_minute: two on A and one on B fill a minute of 3; the 4th on either is 429 with Retry-After', async () => {
    answers(3);
    expect((await create(a, 'sk-test-busy')).status).toBe(200);
    expect((await create(a, 'sk-test-busy')).status).toBe(200);
    expect((await create(b, 'sk-test-busy')).status).toBe(200);
    const received = upstream.received.length;
    for (const gateway of [a, b]) {
      const refused = await create(gateway, 'sk-test-busy');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('46'); // past the minute's end
      expect(await refused.json()).toEqual({
        error: { message: "Rate limit reached for key 'busy' on requests per minute: limit 3. Please try again in 46s.", type: 'requests', param: null, code: 'rate_limit_exceeded' },
      });
    }
    expect(upstream.received.length).toBe(received);

    // After the Retry-After, the next minute lets one through (the full minute before still weighs 2.95 of 3).
    now += 46_000;
    answers(1);
    expect((await create(b, 'sk-test-busy')).status).toBe(200);
    expect((await create(a, 'sk-test-busy')).headers.get('retry-after')).toBe('20');
  });

  it('tokens_per_day: the tokens a response used on A refuse the key on B, until the next UTC midnight', async () => {
    answers(1); // 24 tokens
    expect((await create(a, 'sk-test-frugal')).status).toBe(200);
    const received = upstream.received.length;
    // A's next request waits for its own spend to be committed; after it, B must see it too.
    expect((await create(a, 'sk-test-frugal')).status).toBe(429);
    const refused = await create(b, 'sk-test-frugal');
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded', param: null });
    expect(body.error.message).toContain('used 24');
    const midnight = Date.UTC(2026, 11, 2);
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil((midnight - now) / 1000)));
    expect(upstream.received.length).toBe(received);
    now = midnight;
    answers(1);
    expect((await create(b, 'sk-test-frugal')).status).toBe(200);
  });

  it('requests_per_minute under a crowd: of 16 concurrent requests on both instances exactly 5 go through', async () => {
    now += 10 * 60_000; // a fresh minute, nothing before it
    answers(5);
    const received = upstream.received.length;
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => create(i % 2 ? a : b, 'sk-test-crowd')));
    expect(all.map((answer) => answer.status).sort()).toEqual([...Array(5).fill(200), ...Array(11).fill(429)]);
    expect(upstream.received.length).toBe(received + 5);
    await Promise.all(all.map((answer) => answer.arrayBuffer()));
  });

  it('lets a request through when the counters fail, and counts the failure in the metrics', async () => {
    const onServer = async (text: string) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(text).finally(() => client.end());
    };
    // The counters' table gone for a moment: every statement on it fails, as with a database that stutters.
    await onServer('ALTER TABLE key_usage RENAME TO key_usage_away');
    try {
      answers(1);
      expect((await create(a, 'sk-test-busy')).status).toBe(200);
    } finally {
      await onServer('ALTER TABLE key_usage_away RENAME TO key_usage');
    }
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toContain('junction_key_limit_errors_total{operation="admit"} 1');
  });
});
