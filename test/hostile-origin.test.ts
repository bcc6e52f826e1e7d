// A page in the operator's browser cannot use the gateway: the exact requests a browser sends (a simple cross-origin POST, a rebound Host) are refused, with keys or without.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureReply, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { rawRequest } from './support/raw-request.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

const BODY = JSON.stringify({ model: 'gpt-4o', input: 'hi' });

let upstream: MockUpstream;
let keyless: TestGateway;
let keyed: TestGateway;
let friendly: TestGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  keyless = await startTestGateway(upstream.url, { keys: [] });
  keyed = await startTestGateway(upstream.url);
  friendly = await startTestGateway(upstream.url, {
    keys: [],
    server: { host: '127.0.0.1', port: 0, allowed_hosts: ['gateway.internal:8080'], cors_origins: ['https://app.example/'] },
  });
});
afterAll(async () => {
  await Promise.all([keyless?.close(), keyed?.close(), friendly?.close()]);
  await upstream?.close();
});

/** What fetch('http://127.0.0.1:PORT/v1/responses', {method: 'POST', body: '{…}'}) from https://evil.example sends: no preflight. */
const simpleCrossOriginPost = (gateway: TestGateway, extra: Record<string, string> = {}) =>
  rawRequest(`${gateway.url}/v1/responses`, {
    method: 'POST',
    headers: { host: `127.0.0.1:${gateway.port}`, origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8', ...extra },
    body: BODY,
  });

function expectRefusal(res: { status: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code } });
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

describe('a page on another origin', () => {
  it('cannot POST to a keyless gateway with a simple (text/plain) request: 403, nothing sent upstream', async () => {
    const before = upstream.received.length;
    expectRefusal(await simpleCrossOriginPost(keyless), 403, 'origin_not_allowed');
    expect(upstream.received.length).toBe(before);
  });

  it('cannot POST even with a key and a JSON body (a page may hold a key too)', async () => {
    const before = upstream.received.length;
    const res = await simpleCrossOriginPost(keyed, { 'content-type': 'application/json', authorization: 'Bearer sk-test-alice' });
    expectRefusal(res, 403, 'origin_not_allowed');
    expect(upstream.received.length).toBe(before);
  });

  it('gets no CORS answer to a preflight', async () => {
    const res = await rawRequest(`${keyless.url}/v1/responses`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expectRefusal(res, 403, 'origin_not_allowed');
  });

  it("cannot read a stored response through the browser's same-origin GET either", async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await rawRequest(`${keyless.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    expect(created.status).toBe(200);
    const id = String(created.json().id);
    expectRefusal(await rawRequest(`${keyless.url}/v1/responses/${id}`, { headers: { origin: 'https://evil.example' } }), 403, 'origin_not_allowed');
  });
});

describe('DNS rebinding (a foreign name that resolves to loopback)', () => {
  it.each(['GET /v1/models', 'GET /v1/responses/resp_x', 'POST /v1/responses', 'GET /nowhere'])('%s with Host: evil.example is 403 on a keyless gateway', async (line) => {
    const [method, path] = line.split(' ') as [string, string];
    const before = upstream.received.length;
    const res = await rawRequest(`${keyless.url}${path}`, {
      method,
      headers: { host: `evil.example:${keyless.port}`, 'content-type': 'application/json' },
      body: method === 'POST' ? BODY : undefined,
    });
    expectRefusal(res, 403, 'host_not_allowed');
    expect(upstream.received.length).toBe(before);
  });

  it('is refused with a valid key too', async () => {
    const res = await rawRequest(`${keyed.url}/v1/models`, { headers: { host: 'evil.example', authorization: 'Bearer sk-test-alice' } });
    expectRefusal(res, 403, 'host_not_allowed');
  });

  it.each(['localhost', '127.0.0.1', 'LOCALHOST'])('Host: %s:PORT is served', async (name) => {
    const res = await rawRequest(`${keyless.url}/v1/models`, { headers: { host: `${name}:${keyless.port}` } });
    expect(res.status).toBe(200);
  });
});

describe('a body that is not JSON', () => {
  it.each(['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', undefined])(
    'content-type %s is 415, even without an Origin',
    async (contentType) => {
      const before = upstream.received.length;
      const res = await rawRequest(`${keyless.url}/v1/responses`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body: BODY });
      expectRefusal(res, 415, 'unsupported_media_type');
      expect(upstream.received.length).toBe(before);
    },
  );

  it('application/json with a charset, in any case, is accepted', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await rawRequest(`${keyless.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: BODY });
    expect(res.status).toBe(200);
  });
});

describe('server.allowed_hosts and server.cors_origins', () => {
  it('serves a listed host name (its port does not matter) and still refuses others', async () => {
    expect((await rawRequest(`${friendly.url}/v1/models`, { headers: { host: 'gateway.internal:9999' } })).status).toBe(200);
    expectRefusal(await rawRequest(`${friendly.url}/v1/models`, { headers: { host: 'other.internal' } }), 403, 'host_not_allowed');
  });

  it('answers a listed origin\'s preflight with CORS headers', async () => {
    const res = await rawRequest(`${friendly.url}/v1/responses`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
  });

  it.each([false, true])("lets a listed origin's page create a response (stream: %s), with CORS headers on the answer", async (stream) => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await rawRequest(`${friendly.url}/v1/responses`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(res.headers['content-type'])).toMatch(stream ? /^text\/event-stream/ : /^application\/json/);
  });

  it("sends CORS headers on a listed origin's errors too, so its page can read them", async () => {
    const res = await rawRequest(`${friendly.url}/v1/responses/resp_missing`, { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('refuses an unlisted origin on the same gateway', async () => {
    expectRefusal(await simpleCrossOriginPost(friendly, { 'content-type': 'application/json' }), 403, 'origin_not_allowed');
  });
});
