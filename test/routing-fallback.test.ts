// Ordered targets behind one alias: each failure before the first output moves on (or retries), none after it; Retry-After, cooldowns, defaults, drop, the served provider's header and provenance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import type { RoutingEvent } from '../src/runs/routing-events.js';
import { startGateway, type RunningGateway } from '../src/server/start-gateway.js';
import { getJson, postResponses, type SseResult } from './support/gateway-client.js';
import { fixtureReply, gate, startMockUpstream, type MockUpstream, type Reply } from './support/mock-upstream.js';
import { readSseFixture } from './support/read-sse-fixture.js';
import { testConfig } from './support/test-gateway.js';

let upstream: MockUpstream;
let closedUrl: string;
let gateway: RunningGateway;
let dir: string;
const events: RoutingEvent[] = [];
const waits: number[] = [];
let nowMs = Date.parse('2026-01-01T00:00:00Z');

const two = (first: string, second: string) => [
  { provider: 'openai', model: first },
  { provider: 'xai', model: second },
];

beforeAll(async () => {
  upstream = await startMockUpstream();
  const closed = await startMockUpstream();
  await closed.close();
  closedUrl = closed.url;
  dir = mkdtempSync(join(tmpdir(), 'junction-routing-'));
  const config = testConfig(upstream.url, dir, {
    // Failures add up across this file's tests: only the cooldown test's model cools down.
    routing: { cooldown: { failures: 1000 } },
    providers: {
      openai: { type: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream-openai' },
      xai: { type: 'openai-responses', quirks: 'xai', base_url: upstream.url, api_key: 'sk-upstream-xai' },
      openrouter: { type: 'chat-completions', quirks: 'openrouter', base_url: upstream.url, api_key: 'sk-upstream-or' },
      unreachable: { type: 'openai-responses', base_url: closedUrl, api_key: 'sk-upstream-gone' },
      slow: { type: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream-slow', timeouts: { first_byte_ms: 200 } },
    },
    models: {
      'gpt-4o': { provider: 'openai', model: 'gpt-4o' },
      'gpt-5-nano': { provider: 'openai', model: 'gpt-5-nano-2025-08-07' },
      fb: { targets: two('gpt-4o-fb', 'grok-fb') },
      'fb-chat': { targets: [{ provider: 'openai', model: 'gpt-4o-chat' }, { provider: 'openrouter', model: 'openai/gpt-4o' }] },
      'fb-unreachable': { targets: [{ provider: 'unreachable', model: 'gpt-4o' }, { provider: 'xai', model: 'grok-unreachable' }] },
      'fb-slow': { targets: [{ provider: 'slow', model: 'gpt-4o' }, { provider: 'xai', model: 'grok-slow' }] },
      'fb-reasoning': { targets: [{ provider: 'openai', model: 'gpt-5-nano-2025-08-07' }, { provider: 'xai', model: 'grok-code-fast-1', reasoning: true }] },
      retrying: { targets: two('gpt-4o-retry', 'grok-retry'), routing: { retries: 2, backoff_ms: 100, max_retry_after_s: 5 } },
      cooling: { targets: two('gpt-4o-cool', 'grok-cool'), routing: { cooldown: { failures: 2, seconds: 60 } } },
      summarised: { provider: 'openai', model: 'gpt-5-mini', defaults: { reasoning: { effort: 'medium', summary: 'auto' }, text: { verbosity: 'low' } } },
      'grok-no-effort': { provider: 'xai', model: 'grok-4', drop: ['reasoning.effort', 'top_p'] },
    },
  });
  gateway = await startGateway(config, pino({ level: 'silent' }), {
    routingEvents: (event) => events.push(event),
    sleep: async (ms) => void waits.push(ms),
    clockMs: () => nowMs,
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  events.length = 0;
  waits.length = 0;
  upstream.received.length = 0;
});

const TEXT = 'openai/text-with-conversation.sse';
const serverError = (headers: Record<string, string> = {}): Reply => ({
  status: 503,
  headers,
  body: JSON.stringify({ error: { message: 'The server is overloaded (synthetic).', type: 'server_error', code: null, param: null } }),
});
const status = (code: number, headers: Record<string, string> = {}): Reply => ({
  status: code,
  headers,
  body: JSON.stringify({ error: { message: `synthetic ${code}`, type: code < 500 ? 'invalid_request_error' : 'server_error', code: null, param: null } }),
});
/** Who each upstream request went to: the key it carried and the model it asked for. */
const sentTo = () => upstream.received.map((r) => [String(r.headers.authorization).replace('Bearer sk-upstream-', ''), r.json.model]);
const completed = (res: SseResult): JsonObject => {
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const response = res.json ?? (res.events.at(-1)!.response as JsonObject);
  expect(response.status).toBe('completed');
  return response;
};
const storedProvider = (id: unknown) => {
  const db = new SQLite(join(dir, 'junction.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT provider FROM responses WHERE id = ?').get(id) as { provider: string } | undefined;
    const items = db.prepare("SELECT DISTINCT provider FROM items WHERE response_id = ? AND direction = 'output'").all(id) as { provider: string }[];
    return { response: row?.provider, items: items.map((i) => i.provider) };
  } finally {
    db.close();
  }
};
/** The first `count` events of a recorded stream, as upstream wrote them. */
const firstEvents = (fixture: string, count: number) =>
  readSseFixture(fixture)
    .slice(0, count)
    .map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`)
    .join('');

describe.each([false, true])('a failure before the first output moves to the next target (stream: %s)', (stream) => {
  it('a 5xx: the next target serves, the header and the store name it', async () => {
    upstream.reply('/v1/responses', serverError(), fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', stream });
    const response = completed(res);
    expect(sentTo()).toEqual([['openai', 'gpt-4o-fb'], ['xai', 'grok-fb']]);
    expect(res.headers.get('x-junction-provider')).toBe('xai');
    expect(storedProvider(response.id)).toEqual({ response: 'xai', items: ['xai'] });
    expect(events).toEqual([{ type: 'fallback', responseId: response.id, from: { provider: 'openai', model: 'gpt-4o-fb' }, to: { provider: 'xai', model: 'grok-fb' }, code: null }]);
  });

  it('a 429, a 408 and a 409 move on too; a 400 (the request\'s own fault) does not', async () => {
    for (const code of [429, 408, 409]) {
      upstream.received.length = 0;
      upstream.reply('/v1/responses', status(code), fixtureReply(TEXT));
      completed(await postResponses(gateway.url, { model: 'fb', input: 'hi', stream }));
      expect(sentTo().map(([key]) => key), `HTTP ${code}`).toEqual(['openai', 'xai']);
    }
    upstream.received.length = 0;
    upstream.reply('/v1/responses', fixtureReply('openai/error-400-invalid-temperature.json', { status: 400 }));
    const refused = await postResponses(gateway.url, { model: 'fb', input: 'hi', temperature: 1, stream });
    expect(refused.status).toBe(400);
    expect(sentTo().map(([key]) => key)).toEqual(['openai']);
  });

  it('a connection refused', async () => {
    upstream.reply('/v1/responses', fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'fb-unreachable', input: 'hi', stream });
    completed(res);
    expect(sentTo()).toEqual([['xai', 'grok-unreachable']]);
    expect(res.headers.get('x-junction-provider')).toBe('xai');
  });

  it('a connection reset before any output', async () => {
    upstream.reply('/v1/responses', { body: firstEvents(TEXT, 2), contentType: 'text/event-stream', end: 'reset' }, fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'fb', input: 'hi', stream: true }));
    upstream.reply('/v1/responses', { body: '', end: 'reset' }, fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'fb', input: 'hi', stream }));
    expect(sentTo().map(([key]) => key)).toEqual(['openai', 'xai', 'openai', 'xai']);
  });

  it('no first byte within timeouts.first_byte_ms', async () => {
    const never = gate();
    upstream.reply('/v1/responses', { body: '', script: [never.promise], end: 'hang' }, fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'fb-slow', input: 'hi', stream });
    completed(res);
    never.open();
    expect(sentTo()).toEqual([['slow', 'gpt-4o'], ['xai', 'grok-slow']]);
    expect(res.headers.get('x-junction-provider')).toBe('xai');
  });

  it('an in-band error event before any output (recorded insufficient_quota)', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/error-event-insufficient-quota.sse'), fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', stream: true });
    completed(res);
    expect(sentTo().map(([key]) => key)).toEqual(['openai', 'xai']);
    expect(res.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(res.events.filter((e) => e.type === 'response.created')).toHaveLength(1);
    expect(res.events.map((e) => e.sequence_number)).toEqual(res.events.map((_, i) => i));
  });

  it('to a target of another kind (a Chat Completions provider)', async () => {
    upstream.reply('/v1/responses', serverError());
    upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-text.sse'));
    const res = await postResponses(gateway.url, { model: 'fb-chat', input: 'hi', stream });
    completed(res);
    expect(upstream.received.map((r) => r.path)).toEqual(['/v1/responses', '/v1/chat/completions']);
    expect(res.headers.get('x-junction-provider')).toBe('openrouter');
  });

  it('when every target fails, the last failure is the answer', async () => {
    upstream.reply('/v1/responses', serverError(), status(502));
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', stream });
    expect(res.status).toBe(502);
    expect(sentTo().map(([key]) => key)).toEqual(['openai', 'xai']);
  });
});

describe('after the first output has reached the client, nothing moves', () => {
  it('a stream cut after its first output ends failed; no second target is asked', async () => {
    upstream.reply('/v1/responses', { body: firstEvents(TEXT, 5), contentType: 'text/event-stream', end: 'reset' }, fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    expect(res.events.at(-1)!.type).toBe('response.failed');
    expect(sentTo().map(([key]) => key)).toEqual(['openai']);
    expect(events).toEqual([]);
    // The unused reply is taken by the next test's request, so it is consumed here.
    completed(await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true }));
  });

  it('an error event after output ends the stream failed, on the same target', async () => {
    const body = firstEvents(TEXT, 5) + `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'synthetic failure after output', sequence_number: 5 })}\n\n`;
    upstream.reply('/v1/responses', { body, contentType: 'text/event-stream' });
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', stream: true });
    expect(res.events.at(-1)!.type).toBe('response.failed');
    expect(res.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    expect(sentTo().map(([key]) => key)).toEqual(['openai']);
  });
});

describe('retries per target', () => {
  it('retry the same target with exponential backoff and jitter, then fall back', async () => {
    upstream.reply('/v1/responses', serverError(), serverError(), serverError(), fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'retrying', input: 'hi', stream: true });
    completed(res);
    expect(sentTo().map(([key]) => key)).toEqual(['openai', 'openai', 'openai', 'xai']);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(events.map((e) => e.type)).toEqual(['retry', 'retry', 'fallback']);
  });

  it('Retry-After and retry-after-ms are honoured, up to max_retry_after_s', async () => {
    upstream.reply('/v1/responses', status(429, { 'retry-after': '2' }), status(429, { 'retry-after-ms': '1500' }), fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'retrying', input: 'hi' }));
    expect(waits).toEqual([2000, 1500]);
    waits.length = 0;
    upstream.reply('/v1/responses', status(503, { 'retry-after': '3600' }), fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'retrying', input: 'hi' }));
    expect(waits).toEqual([5000]);
    expect(events.at(-1)).toMatchObject({ type: 'retry', delayMs: 5000, askedMs: 3_600_000 });
  });

  it("a 4xx that is the request's own fault is never retried", async () => {
    upstream.reply('/v1/responses', status(400), fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'retrying', input: 'hi' });
    expect(res.status).toBe(400);
    expect(waits).toEqual([]);
    expect(sentTo()).toHaveLength(1);
    completed(await postResponses(gateway.url, { model: 'gpt-4o', input: 'consume the queued reply' }));
  });
});

describe('cooldown', () => {
  it('a target that keeps failing is skipped, then tried again once its cooldown is over', async () => {
    upstream.reply('/v1/responses', serverError(), fixtureReply(TEXT), serverError(), fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'cooling', input: 'one' }));
    completed(await postResponses(gateway.url, { model: 'cooling', input: 'two' }));
    expect(events.filter((e) => e.type === 'cooldown')).toMatchObject([{ provider: 'openai', model: 'gpt-4o-cool', seconds: 60 }]);
    upstream.received.length = 0;
    events.length = 0;

    upstream.reply('/v1/responses', fixtureReply(TEXT));
    const skipped = await postResponses(gateway.url, { model: 'cooling', input: 'three' });
    completed(skipped);
    expect(sentTo()).toEqual([['xai', 'grok-cool']]);
    expect(skipped.headers.get('x-junction-provider')).toBe('xai');
    expect(events).toMatchObject([{ type: 'skip', provider: 'openai', model: 'gpt-4o-cool' }]);

    nowMs += 60_000;
    upstream.received.length = 0;
    upstream.reply('/v1/responses', fixtureReply(TEXT));
    const back = await postResponses(gateway.url, { model: 'cooling', input: 'four' });
    completed(back);
    expect(sentTo()).toEqual([['openai', 'gpt-4o-cool']]);
    expect(back.headers.get('x-junction-provider')).toBe('openai');
  });
});

describe('per-model defaults and drop', () => {
  it("defaults fill in what the client left out, under the client's own fields", async () => {
    upstream.reply('/v1/responses', fixtureReply(TEXT), fixtureReply(TEXT));
    completed(await postResponses(gateway.url, { model: 'summarised', input: 'hi' }));
    completed(await postResponses(gateway.url, { model: 'summarised', input: 'hi', reasoning: { effort: 'high' }, text: { verbosity: 'high' } }));
    const [first, second] = upstream.received.map((r) => r.json);
    expect(first!.reasoning).toEqual({ effort: 'medium', summary: 'auto' });
    expect((first!.text as JsonObject).verbosity).toBe('low');
    expect(second!.reasoning).toEqual({ effort: 'high', summary: 'auto' });
    expect((second!.text as JsonObject).verbosity).toBe('high');
  });

  it('drop leaves out what the model refuses, and the stored exchange says so', async () => {
    upstream.reply('/v1/responses', fixtureReply(TEXT));
    const res = await postResponses(gateway.url, { model: 'grok-no-effort', input: 'hi', reasoning: { effort: 'high', summary: 'auto' }, top_p: 0.5 });
    const response = completed(res);
    const sent = upstream.received[0]!.json;
    expect(sent.top_p).toBeUndefined();
    expect((sent.reasoning as JsonObject | undefined)?.effort).toBeUndefined();
    const db = new SQLite(join(dir, 'junction.db'), { readonly: true });
    const row = db.prepare('SELECT warnings_json AS warnings FROM upstream_exchanges WHERE response_id = ?').get(response.id) as { warnings: string };
    db.close();
    expect(JSON.parse(row.warnings).map((w: JsonObject) => w.param)).toEqual(expect.arrayContaining(['reasoning.effort', 'top_p']));
  });
});

describe('reasoning provenance across a fallback', () => {
  it.each([false, true])("reasoning made by provider A is not sent to fallback provider B (stream: %s)", async (stream) => {
    upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    const first = completed(await postResponses(gateway.url, { model: 'gpt-5-nano', input: 'think', reasoning: { effort: 'low', summary: 'auto' } }));
    const reasoning = (first.output as JsonObject[]).find((item) => item.type === 'reasoning')!;
    expect(reasoning).toBeDefined();
    upstream.received.length = 0;

    upstream.reply('/v1/responses', serverError(), fixtureReply('xai/reasoning-summary-text.sse'));
    const res = await postResponses(gateway.url, { model: 'fb-reasoning', previous_response_id: first.id, input: 'and then?', stream });
    const second = completed(res);
    const [toA, toB] = upstream.received.map((r) => r.json.input as JsonObject[]);
    expect(toA!.some((item) => item.type === 'reasoning' && item.id === reasoning.id)).toBe(true);
    expect(toB!.some((item) => item.type === 'reasoning')).toBe(false);
    expect(toB!.some((item) => item.type === 'function_call')).toBe(true);
    expect(res.headers.get('x-junction-provider')).toBe('xai');
    expect(storedProvider(second.id).response).toBe('xai');
  });
});

describe('background runs', () => {
  it('fall back the same way, and the stored response names the served provider', async () => {
    upstream.reply('/v1/responses', serverError(), fixtureReply(TEXT));
    // Streamed: the subscriber sees the gateway's created/queued, then the served target's output, to the end.
    const res = await postResponses(gateway.url, { model: 'fb', input: 'hi', background: true, stream: true });
    const id = completed(res).id;
    expect(res.events.filter((e) => e.type === 'error')).toEqual([]);
    expect((await getJson(gateway.url, `/v1/responses/${String(id)}`)).json.status).toBe('completed');
    expect(sentTo().map(([key]) => key)).toEqual(['openai', 'xai']);
    expect(storedProvider(id)).toEqual({ response: 'xai', items: ['xai'] });
  });
});

describe('a model with defaults and a drop list', () => {
  it('is named in a warning when the gateway starts', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const dir = mkdtempSync(join(tmpdir(), 'junction-defaults-warn-'));
    const config = testConfig('http://127.0.0.1:9/v1', dir, {
      models: { shaped: { provider: 'openai', model: 'gpt-5-mini', defaults: { reasoning: { effort: 'medium' } }, drop: ['top_p'] } },
    });
    const gateway = await startGateway(config, logger);
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, model: 'shaped', defaults: ['reasoning'] }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, model: 'shaped', drop: ['top_p'] }));
  });
});
