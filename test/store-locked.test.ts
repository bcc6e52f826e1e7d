// Another process holds the store's write lock: requests that need no store go on, stored ones wait (off the event loop) and complete once it is released.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { startGateway, type RunningGateway } from '../src/server/start-gateway.js';
import { getJson, postResponses, type SseResult } from './support/gateway-client.js';
import { fixtureReply, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { streamViolations } from './support/stream-invariants.js';
import { testConfig } from './support/test-gateway.js';

let dir: string;
let upstream: MockUpstream;
let gateway: RunningGateway;
/** The gateway's log lines, parsed, and whoever waits for one. */
const logged: JsonObject[] = [];
const waiters: { match: (line: JsonObject) => boolean; resolve: () => void }[] = [];
/** A second connection to the gateway's file: another process's transaction, as far as SQLite can tell. */
let other: SQLite.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'junction-store-locked-'));
  upstream = await startMockUpstream();
  const logger = pino(
    { level: 'info' },
    {
      write: (text: string) => {
        const line = JSON.parse(text) as JsonObject;
        logged.push(line);
        for (const waiter of waiters.filter((w) => w.match(line))) waiter.resolve();
      },
    },
  );
  gateway = await startGateway(testConfig(upstream.url, dir), logger);
  other = new SQLite(join(dir, 'junction.db'));
});

afterAll(async () => {
  if (other?.inTransaction) other.exec('ROLLBACK');
  other?.close();
  await gateway?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const LOCK_WAIT = 'the database is locked by another connection: stored responses wait for it (the event loop does not)';

function nextLogLine(message: string | RegExp): Promise<void> {
  const match = (line: JsonObject) => (typeof message === 'string' ? line.msg === message : message.test(String(line.msg)));
  if (logged.some(match)) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ match, resolve }));
}

describe('the store locked by another connection', () => {
  it('serves GET /v1/models, a stored GET and a store:false stream while a stored request waits; that one completes, stored, after the release', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'));
    const earlier = await postResponses(gateway.url, { model: 'gpt-4o', input: 'before the lock' });
    expect(earlier.status).toBe(200);

    other.exec('BEGIN IMMEDIATE');
    upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'), fixtureReply('openai/text-with-conversation.sse'));
    let storedSettled = false;
    const stored = postResponses(gateway.url, { model: 'gpt-4o', input: 'during the lock' }).finally(() => (storedSettled = true));
    // The writer found the lock taken and is waiting for it.
    await nextLogLine(LOCK_WAIT);

    const models = await getJson(gateway.url, '/v1/models');
    expect(models.status).toBe(200);
    const earlierAgain = await getJson(gateway.url, `/v1/responses/${String(earlier.json!.id)}`);
    expect(earlierAgain.status).toBe(200);
    const unstored: SseResult = await postResponses(gateway.url, { model: 'gpt-4o', input: 'no store', stream: true, store: false });
    expect(unstored.status).toBe(200);
    expect(streamViolations(unstored.events)).toEqual([]);
    expect(unstored.events.at(-1)!.type).toBe('response.completed');
    // All of that while the lock is still held and the stored request still waits for it.
    expect(other.inTransaction).toBe(true);
    expect(storedSettled).toBe(false);

    other.exec('COMMIT');
    const answer = await stored;
    expect(answer.status).toBe(200);
    const id = String(answer.json!.id);
    const found = await getJson(gateway.url, `/v1/responses/${id}`);
    expect(found.status).toBe(200);
    expect(found.json).toEqual(answer.json);
    await nextLogLine(/^the database lock was released after \d+ ms: stored responses go on$/);
    expect(logged.filter((line) => line.msg === LOCK_WAIT)).toHaveLength(1);
    expect(logged.find((line) => line.msg === LOCK_WAIT)!.level).toBe(40);
  });

  it('has a DELETE wait for the lock (off the event loop) and delete the response once it is released', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'));
    const created = await postResponses(gateway.url, { model: 'gpt-4o', input: 'to be deleted' });
    const id = String(created.json!.id);

    other.exec('BEGIN IMMEDIATE');
    let deleteSettled = false;
    const deleting = getJson(gateway.url, `/v1/responses/${id}`, undefined, 'DELETE').finally(() => (deleteSettled = true));
    // The gateway keeps serving while the DELETE waits.
    expect((await getJson(gateway.url, '/v1/models')).status).toBe(200);
    expect((await getJson(gateway.url, `/v1/responses/${id}`)).status).toBe(200);
    expect(deleteSettled).toBe(false);

    other.exec('COMMIT');
    const deleted = await deleting;
    expect(deleted).toEqual({ status: 200, json: { id, object: 'response', deleted: true } });
    expect((await getJson(gateway.url, `/v1/responses/${id}`)).status).toBe(404);
  });
});
