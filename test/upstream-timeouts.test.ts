// Per-provider upstream timeouts (connect, first byte, idle between events, total): a 504 upstream_timeout in OpenAI's shape before output, error + response.failed after it; the upstream call is aborted and the failure logged once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configSchema } from '../src/config/config-schema.js';
import type { JsonObject } from '../transformers/responses-types.js';
import { startLoggedGateway, type LoggedGateway } from './support/capture-log.js';
import { postResponses, type SseResult } from './support/gateway-client.js';
import { fixturePath, startMockUpstream, type MockUpstream, type Reply } from './support/mock-upstream.js';
import { startUnacceptingListener, type UnacceptingListener } from './support/start-unaccepting-listener.js';

let upstream: MockUpstream;
let unaccepting: UnacceptingListener;
let gateway: LoggedGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  unaccepting = await startUnacceptingListener();
  const provider = (timeouts: Record<string, number>, type = 'openai-responses', base_url = upstream.url) => ({ type, base_url, api_key: 'sk-upstream', timeouts });
  gateway = await startLoggedGateway(upstream.url, {
    providers: {
      connect: provider({ connect_ms: 300 }, 'openai-responses', unaccepting.url),
      first_byte: provider({ first_byte_ms: 300 }),
      first_byte_chat: provider({ first_byte_ms: 300 }, 'chat-completions'),
      idle: provider({ idle_ms: 300 }),
      total: provider({ total_ms: 800, idle_ms: 2_000 }),
      legacy: { type: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream', timeout_ms: 300 },
    },
    models: {},
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  unaccepting?.close();
});

/** The recorded stream up to and including its first text delta, and that delta's SSE block on its own. */
function recordedStart(): { prefix: string; delta: string } {
  const blocks = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8').split('\n\n');
  const first = blocks.findIndex((b) => b.includes('response.output_text.delta'));
  return { prefix: blocks.slice(0, first + 1).join('\n\n') + '\n\n', delta: blocks[first]! + '\n\n' };
}

const timeoutLines = (mark: number) =>
  gateway
    .entries()
    .slice(mark)
    .filter((entry) => entry.code === 'upstream_timeout');

/** A 504 upstream_timeout in OpenAI's shape, naming the provider and the timeout that ran out; logged once. */
function expectTimeoutAnswer(res: SseResult, provider: string, timeout: string, mark: number): void {
  expect(res.status).toBe(504);
  expect(res.json).toEqual({ error: { message: expect.any(String), type: 'upstream_error', param: null, code: 'upstream_timeout' } });
  const message = String((res.json!.error as JsonObject).message);
  expect(message).toContain(`"${provider}"`);
  expect(message).toContain(`timeouts.${timeout}`);
  expect(message).not.toContain('127.0.0.1');
  const logged = timeoutLines(mark);
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ msg: 'request failed', status: 504, response_id: expect.stringMatching(/^resp_/) });
}

/** A stream that had output: it ends with `error` then `response.failed`, both upstream_timeout naming the timeout; logged once. */
function expectTimedOutStream(res: SseResult, timeout: string, mark: number): void {
  expect(res.status).toBe(200);
  expect(res.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
  const [error, terminal] = res.events.slice(-2);
  expect(error).toMatchObject({ type: 'error', code: 'upstream_timeout' });
  expect(String(error!.message)).toContain(`timeouts.${timeout}`);
  expect(terminal!.type).toBe('response.failed');
  expect((terminal!.response as { error: JsonObject }).error).toMatchObject({ code: 'upstream_timeout', message: error!.message });
  const logged = timeoutLines(mark);
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ msg: 'stream failed after output', provider: expect.any(String) });
}

describe('connect_ms', () => {
  it.each([false, true])('a provider whose address never completes the TCP handshake is a 504 (stream: %s)', async (stream) => {
    const mark = gateway.lines.length;
    const res = await postResponses(gateway.url, { model: 'connect/gpt-4o', input: 'hi', stream });
    expectTimeoutAnswer(res, 'connect', 'connect_ms', mark);
    expect(String((res.json!.error as JsonObject).message)).toContain('300 ms');
  });
});

describe('first_byte_ms', () => {
  it.each([
    { name: 'a Responses provider', provider: 'first_byte', path: '/v1/responses', stream: false },
    { name: 'a Responses provider', provider: 'first_byte', path: '/v1/responses', stream: true },
    { name: 'a Chat Completions provider', provider: 'first_byte_chat', path: '/v1/chat/completions', stream: false },
    { name: 'a Chat Completions provider', provider: 'first_byte_chat', path: '/v1/chat/completions', stream: true },
  ])('$name that accepts the request and never answers is a 504, and the call is aborted (stream: $stream)', async ({ provider, path, stream }) => {
    const mark = gateway.lines.length;
    upstream.reply(path, { body: '', end: 'hang' });
    const res = await postResponses(gateway.url, { model: `${provider}/gpt-4o`, input: 'hi', stream });
    expectTimeoutAnswer(res, provider, 'first_byte_ms', mark);
    await upstream.idle();
    expect(upstream.received.at(-1)!.replySent).toBe(false);
  });
});

describe('idle_ms (synthetic upstream streams)', () => {
  const { prefix } = recordedStart();

  it('an upstream that goes silent after the first output: the stream ends with error + response.failed', async () => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: prefix, end: 'hang' });
    const res = await postResponses(gateway.url, { model: 'idle/gpt-4o', input: 'hi', stream: true });
    expectTimedOutStream(res, 'idle_ms', mark);
    await upstream.idle();
    expect(upstream.received.at(-1)!.replySent).toBe(false);
  });

  it('an upstream dribbling a byte every 100 ms that never completes an event is cut off after its first output', async () => {
    const mark = gateway.lines.length;
    const dribble = `data: {"type":"response.output_text.delta","delta":"${'x'.repeat(400)}"}\n\n`;
    const reply: Reply = { contentType: 'text/event-stream', body: prefix + dribble, burst: prefix.length, chunkSize: 1, delayMs: 100 };
    upstream.reply('/v1/responses', reply);
    const res = await postResponses(gateway.url, { model: 'idle/gpt-4o', input: 'hi', stream: true });
    expectTimedOutStream(res, 'idle_ms', mark);
    await upstream.idle();
    expect(upstream.received.at(-1)!.replySent).toBe(false);
  });

  it('SSE comment lines (a keep-alive while the model reasons) count as progress; the silence after them does not', async () => {
    const mark = gateway.lines.length;
    const comments = ': keep-alive\n\n'.repeat(8);
    // A comment every 100 ms for 800 ms, each gap well inside idle_ms (300), the whole far past it; then silence.
    const reply: Reply = { contentType: 'text/event-stream', body: prefix + comments, burst: prefix.length, chunkSize: comments.length / 8, delayMs: 100, end: 'hang' };
    upstream.reply('/v1/responses', reply);
    const res = await postResponses(gateway.url, { model: 'idle/gpt-4o', input: 'hi', stream: true });
    expectTimedOutStream(res, 'idle_ms', mark);
    await upstream.idle();
    expect(upstream.received.at(-1)!.bytesWritten).toBe(prefix.length + comments.length);
  });

  it.each([false, true])('an upstream dribbling before any event is a 504 (stream: %s)', async (stream) => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: `data: {"type":"response.created"${' '.repeat(400)}}\n\n`, chunkSize: 1, delayMs: 100 });
    const res = await postResponses(gateway.url, { model: 'idle/gpt-4o', input: 'hi', stream });
    expectTimeoutAnswer(res, 'idle', 'idle_ms', mark);
    await upstream.idle();
  });
});

describe('total_ms (synthetic upstream stream)', () => {
  it('caps an upstream that streams steadily without end', async () => {
    const mark = gateway.lines.length;
    const { prefix, delta } = recordedStart();
    // An event every 50 ms (well inside idle_ms) for ten seconds, far past total_ms.
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: prefix + delta.repeat(200), burst: prefix.length, chunkSize: delta.length, delayMs: 50 });
    const res = await postResponses(gateway.url, { model: 'total/gpt-4o', input: 'hi', stream: true });
    expectTimedOutStream(res, 'total_ms', mark);
    expect(res.events.filter((e) => e.type === 'response.output_text.delta').length).toBeGreaterThan(2);
    await upstream.idle();
    expect(upstream.received.at(-1)!.replySent).toBe(false);
  });
});

describe('configuration', () => {
  const parseProvider = (provider: Record<string, unknown>) =>
    configSchema.parse({ providers: { p: { type: 'openai-responses', base_url: 'http://localhost:1/v1', ...provider } } }).providers.p!.timeouts;

  it('defaults leave room for slow reasoning', () => {
    expect(parseProvider({})).toEqual({ connect_ms: 10_000, first_byte_ms: 600_000, idle_ms: 600_000, total_ms: 3_600_000 });
  });

  it('the deprecated timeout_ms stands for first_byte_ms and idle_ms, unless those are set', () => {
    expect(parseProvider({ timeout_ms: 300 })).toEqual({ connect_ms: 10_000, first_byte_ms: 300, idle_ms: 300, total_ms: 3_600_000 });
    expect(parseProvider({ timeout_ms: 300, timeouts: { idle_ms: 50 } })).toMatchObject({ first_byte_ms: 300, idle_ms: 50 });
  });

  it('refuses an unknown timeout key or a value that is not a positive integer, naming the field', () => {
    expect(() => parseProvider({ timeouts: { first_byte: 5 } })).toThrow(/timeouts/);
    expect(() => parseProvider({ timeouts: { idle_ms: 0 } })).toThrow(/idle_ms/);
  });

  it('warns at start about a provider that still uses timeout_ms', () => {
    const warnings = gateway.entries().filter((entry) => String(entry.msg).includes('timeout_ms is deprecated'));
    expect(warnings).toEqual([expect.objectContaining({ provider: 'legacy', timeout_ms: 300 })]);
  });
});
