// A store that fails when a response is written: the client is told the response failed, and the log says which.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { startGateway, type RunningGateway } from '../src/server/start-gateway.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { openSse } from './support/sse-stream.js';
import { streamViolations } from './support/stream-invariants.js';
import { authHeaders, testConfig } from './support/test-gateway.js';

let dir: string;
let upstream: MockUpstream;
let gateway: RunningGateway;
/** The gateway's log lines, parsed. */
const logged: JsonObject[] = [];
/** A second connection to the gateway's database file, to make its writes fail for real. */
let db: SQLite.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'junction-store-failure-'));
  upstream = await startMockUpstream();
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as JsonObject) });
  gateway = await startGateway(testConfig(upstream.url, dir), logger);
  db = new SQLite(join(dir, 'junction.db'));
});

afterAll(async () => {
  db?.close();
  await gateway?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** From now on every write of a response into the store fails, as a full disk or a broken file would. */
const breakTheStore = () => db.exec(`CREATE TRIGGER IF NOT EXISTS no_more_responses BEFORE INSERT ON responses BEGIN SELECT RAISE(ABORT, 'the store is broken'); END`);
const repairTheStore = () => db.exec('DROP TRIGGER IF EXISTS no_more_responses');

const storeFailures = () => logged.filter((line) => line.msg === 'storing the response failed; the client is told it failed');

describe('a store write that fails', () => {
  it('ends a stream whose output the client has seen with error + response.failed, logged with the response id', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    breakTheStore();
    const streamed = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    repairTheStore();

    expect(streamed.status).toBe(200);
    expect(streamViolations(streamed.events)).toEqual([]);
    expect(streamed.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    expect(streamed.events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(streamed.events.at(-2)).toMatchObject({ code: 'server_error', message: 'The gateway could not store the response.' });
    const final = streamed.events.at(-1)!.response as JsonObject;
    expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'The gateway could not store the response.' } });

    const [line] = storeFailures();
    expect(line).toMatchObject({ level: 50, response_id: final.id, err: { message: 'the store is broken' } });
    // Nothing was stored: the id the client saw is not found.
    expect((await getJson(gateway.url, `/v1/responses/${String(final.id)}`)).status).toBe(404);
  });

  it('answers a non-streaming client with a 500 in OpenAI\'s shape, logged with the response id', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'));
    const before = storeFailures().length;
    breakTheStore();
    const plain = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi' });
    repairTheStore();

    expect(plain.status).toBe(500);
    expect(plain.json).toEqual({ error: { message: 'The gateway could not store the response.', type: 'server_error', param: null, code: 'server_error' } });
    expect(storeFailures().length).toBe(before + 1);
    expect(storeFailures().at(-1)!.response_id).toMatch(/^resp_[0-9a-f]{48}$/);
  });

  it('fails a background run whose events cannot be logged, and never shows its subscribers an event the log lacks', async () => {
    const thinking = gate();
    const recorded = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
    const head = recorded.slice(0, recorded.indexOf('event: response.output_text.delta'));
    // The deltas come as a batch of their own (logged through appendEvents), and the end never comes.
    const done = recorded.indexOf('event: response.output_text.done');
    upstream.reply('/v1/responses', { body: '', script: [head, thinking.promise, recorded.slice(head.length, done), gate().promise] });
    const created = (await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', background: true })).json!;
    const subscriber = await openSse(`${gateway.url}/v1/responses/${String(created.id)}?stream=true`, { headers: authHeaders() });
    await subscriber.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
    db.exec(`CREATE TRIGGER no_more_events BEFORE INSERT ON response_events BEGIN SELECT RAISE(ABORT, 'the log is broken'); END`);
    thinking.open();
    const rest = await subscriber.rest();
    db.exec('DROP TRIGGER no_more_events');

    expect(rest.some((e) => e.type === 'response.output_text.delta')).toBe(false);
    expect(rest.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(logged.some((line) => line.msg === 'logging a background run failed' && line.response_id === created.id)).toBe(true);
  });

  it('stores again once the store works again', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const streamed = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    const final = streamed.events.at(-1)!.response as JsonObject;
    expect(final.status).toBe('completed');
    expect((await getJson(gateway.url, `/v1/responses/${String(final.id)}`)).json).toEqual(final);
  });
});
