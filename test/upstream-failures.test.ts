// An upstream that refuses the gateway's key, cannot be reached, answers nonsense, resets or hangs: a specific 502/504 in OpenAI's shape, no secret or internal URL to the client, one log line per failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../transformers/responses-types.js';
import { startLoggedGateway, type LoggedGateway } from './support/capture-log.js';
import { postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply, startMockUpstream, type MockUpstream, type Reply } from './support/mock-upstream.js';

const UPSTREAM_KEY = 'sk-upstream-openai';
const CREDENTIAL = 'pa55word-in-url';

let upstream: MockUpstream;
let gateway: LoggedGateway;
let closedUrl: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  const closed = await startMockUpstream();
  await closed.close();
  closedUrl = closed.url;
  const withCredentials = (url: string) => url.replace('http://', `http://admin:${CREDENTIAL}@`);
  gateway = await startLoggedGateway(upstream.url, {
    providers: {
      openai: { type: 'openai-responses', base_url: withCredentials(upstream.url), api_key: UPSTREAM_KEY },
      openrouter: { type: 'chat-completions', base_url: upstream.url, api_key: 'sk-upstream-or-secret' },
      broken: { type: 'openai-responses', base_url: withCredentials(closedUrl), api_key: 'sk-upstream-broken' },
      slow: { type: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream-slow', timeout_ms: 300 },
    },
    models: { 'gpt-4o': { provider: 'openai', model: 'gpt-4o' } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const SECRETS = [UPSTREAM_KEY, CREDENTIAL, 'sk-upstream-or-secret', 'sk-test-alice', 'sk-test-bob'];

function expectNoSecret(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** OpenAI's error shape, with the given status and code; nothing of upstream's URL or secrets in it. */
function expectError(res: { status: number; json?: JsonObject }, status: number, code: string): { message: string } {
  expect(res.status).toBe(status);
  const body = res.json!;
  expect(body).toEqual({ error: { message: expect.any(String), type: expect.any(String), param: null, code } });
  const text = JSON.stringify(body);
  expectNoSecret(text);
  expect(text).not.toContain('127.0.0.1');
  return body.error as { message: string };
}

const logLinesSince = (mark: number) => gateway.lines.slice(mark);

describe('an upstream that refuses the gateway\'s own credentials', () => {
  const echoingKey = (status: number): Reply => ({
    status,
    body: JSON.stringify({ error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}. You can find your API key at https://platform.openai.com.`, type: 'invalid_request_error', code: 'invalid_api_key', param: null } }),
  });

  it.each([
    [401, false],
    [401, true],
    [403, false],
    [403, true],
  ])('HTTP %s (stream: %s) is a 502 naming the provider, without upstream\'s text; the log keeps it masked', async (status, stream) => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', echoingKey(status));
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream });
    const error = expectError(res, 502, 'upstream_auth_failed');
    expect(error.message).toContain('"openai"');
    expect(error.message).toContain('credentials');
    expect(error.message).not.toContain('Incorrect API key');
    const logged = logLinesSince(mark);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('Incorrect API key provided: [secret]');
    expect(JSON.parse(logged[0]!)).toMatchObject({ msg: 'request failed', code: 'upstream_auth_failed', response_id: expect.stringMatching(/^resp_/) });
    expectNoSecret(logged.join(''));
  });

  it('a passed-on upstream error that repeats a secret reaches the client masked, and is logged once, masked', async () => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', {
      status: 400,
      body: JSON.stringify({ error: { message: `bad request for key ${UPSTREAM_KEY} (caller sk-test-bob)`, type: 'invalid_request_error', code: 'bad', param: 'input' } }),
    });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi' });
    expect(res.status).toBe(400);
    expect((res.json!.error as JsonObject).message).toBe('bad request for key [secret] (caller [secret])');
    const logged = logLinesSince(mark);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ msg: 'upstream refused the request', status: 400, code: 'bad', response_id: expect.stringMatching(/^resp_/) });
    expectNoSecret(logged.join(''));
  });
});

describe('an upstream that cannot be reached', () => {
  it.each([false, true])('is a 502 naming the provider, never its URL or credentials (stream: %s); the log has the URL without them', async (stream) => {
    const mark = gateway.lines.length;
    const res = await postResponses(gateway.url, { model: 'broken/gpt-4o', input: 'hi', stream });
    const error = expectError(res, 502, 'upstream_unreachable');
    expect(error.message).toContain('"broken"');
    const logged = logLinesSince(mark).join('');
    expect(logged).toContain(closedUrl.replace('/v1', ''));
    expect(logged).toContain('ECONNREFUSED');
    expect(logged).not.toContain(CREDENTIAL);
    expect(logged).not.toContain('admin');
  });
});

describe('an upstream status the gateway cannot use', () => {
  it.each([
    { name: '302 redirect', reply: { status: 302, headers: { location: 'http://elsewhere.example/' }, body: '' } },
    { name: '204 no content', reply: { status: 204, body: '' } },
    { name: "418 I'm a teapot", reply: { status: 418, contentType: 'text/plain', body: 'short and stout' } },
    { name: '200 with an HTML page', reply: { status: 200, contentType: 'text/html', body: '<html>login</html>' } },
  ])('$name is a 502 upstream_error, streaming or not', async ({ reply }) => {
    for (const stream of [true, false]) {
      upstream.reply('/v1/responses', reply as Reply);
      const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream });
      const error = expectError(res, 502, 'upstream_error');
      expect(error.message).toContain('"openai"');
    }
  });

  it('on a Chat Completions provider too', async () => {
    upstream.reply('/v1/chat/completions', { status: 204, body: '' });
    expectError(await postResponses(gateway.url, { model: 'openrouter/some-model', input: 'hi', stream: true }), 502, 'upstream_error');
  });
});

describe('an upstream that resets or hangs', () => {
  it.each([
    { name: 'resets before answering', reply: { body: '', end: 'reset' }, status: 502, code: 'upstream_unreachable' },
    { name: 'resets in the middle of its JSON', reply: { body: '{"id":"resp_1","output":[', end: 'reset' }, status: 502, code: 'upstream_unreachable' },
    { name: 'never answers', reply: { body: '', end: 'hang' }, status: 504, code: 'upstream_timeout' },
    { name: 'stops in the middle of its JSON', reply: { body: '{"id":"resp_1","output":[', end: 'hang' }, status: 504, code: 'upstream_timeout' },
  ])('a non-streaming call whose upstream $name is $status $code', async ({ reply, status, code }) => {
    upstream.reply('/v1/responses', reply as Reply);
    const error = expectError(await postResponses(gateway.url, { model: 'slow/gpt-4o', input: 'hi', stream: false }), status, code);
    expect(error.message).toContain('"slow"');
  });

  it('a stream that never starts is 504 upstream_timeout', async () => {
    upstream.reply('/v1/responses', { body: '', end: 'hang' });
    expectError(await postResponses(gateway.url, { model: 'slow/gpt-4o', input: 'hi', stream: true }), 504, 'upstream_timeout');
  });
});

/** The recorded stream up to and including its first text delta: what a client has seen when upstream fails next. */
function untilFirstOutput(fixture: string): string {
  const blocks = readFileSync(fixturePath(fixture), 'utf8').split('\n\n');
  const first = blocks.findIndex((b) => b.includes('response.output_text.delta'));
  return blocks.slice(0, first + 1).join('\n\n') + '\n\n';
}

describe('a stream that fails after its first output', () => {
  const prefix = untilFirstOutput('openai/text-with-conversation.sse');
  it.each([
    { name: 'the upstream resets', reply: { contentType: 'text/event-stream', body: prefix, end: 'reset' }, code: 'upstream_unreachable' },
    { name: 'the upstream goes silent', reply: { contentType: 'text/event-stream', body: prefix, end: 'hang' }, code: 'upstream_timeout' },
    { name: 'an event is not JSON', reply: { contentType: 'text/event-stream', body: `${prefix}data: {not json\n\n` }, code: 'invalid_upstream_event' },
    { name: 'the stream ends without a terminal event', reply: { contentType: 'text/event-stream', body: prefix } },
  ])('ends failed and is logged once, with the response id, when $name', async ({ reply, code }) => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', reply as Reply);
    const res = await postResponses(gateway.url, { model: 'slow/gpt-4o', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    const id = String((res.events[0]!.response as JsonObject).id);
    expect(res.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    const terminal = res.events.at(-1)!;
    expect(terminal.type).toBe('response.failed');
    if (code) expect((terminal.response as { error: JsonObject }).error.code).toBe(code);
    const logged = logLinesSince(mark).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ response_id: id, provider: 'slow', msg: 'stream failed after output' });
  });
});

describe('an upstream error inside a stream that repeats a secret', () => {
  const revoked = (seq: number) => `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: `key ${UPSTREAM_KEY} was revoked`, param: null, sequence_number: seq })}\n\n`;

  it('after output: the client\'s events and the stored response have it masked', async () => {
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: untilFirstOutput('openai/text-with-conversation.sse') + revoked(50) });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.events.at(-1)!.type).toBe('response.failed');
    const text = JSON.stringify(res.events);
    expect(text).toContain('key [secret] was revoked');
    expectNoSecret(text);
    const id = String((res.events[0]!.response as JsonObject).id);
    const stored = await fetch(`${gateway.url}/v1/responses/${id}`, { headers: { authorization: 'Bearer sk-test-alice' } });
    expectNoSecret(await stored.text());
  });

  it('before output: the HTTP error has it masked', async () => {
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: revoked(0) });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.status).toBe(500);
    expect((res.json!.error as JsonObject).message).toBe('key [secret] was revoked');
  });

  it('from a Chat Completions provider, mid-stream', async () => {
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const error = `data: ${JSON.stringify({ error: { message: 'upstream said sk-upstream-or-secret is invalid', code: 502 } })}\n\n`;
    upstream.reply('/v1/chat/completions', { contentType: 'text/event-stream', body: chunk('Hel') + chunk('lo') + error });
    const res = await postResponses(gateway.url, { model: 'openrouter/some-model', input: 'hi', stream: true });
    expect(res.events.at(-1)!.type).toBe('response.failed');
    const text = JSON.stringify(res.events);
    expect(text).toContain('[secret]');
    expectNoSecret(text);
  });
});

describe('a recorded stream', () => {
  it('that succeeds logs nothing', async () => {
    const mark = gateway.lines.length;
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    expect((await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true })).events.at(-1)!.type).toBe('response.completed');
    expect(logLinesSince(mark)).toEqual([]);
  });
});
