// The operator's view on a real gateway: X-Request-Id through answers (JSON, SSE, errors), log lines, the store and upstream; the access log; /healthz, /readyz (503 while shutting down) and /metrics after known traffic.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLoggedGateway, type LoggedGateway } from './support/capture-log.js';
import { fixturePath, fixtureReply, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { openSse } from './support/sse-stream.js';
import { rawRequest } from './support/raw-request.js';
import { authHeaders, startTestGateway, TEST_KEYS } from './support/test-gateway.js';

const METRICS_KEY = 'sk-metrics-scraper';
let upstream: MockUpstream;
let gateway: LoggedGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startLoggedGateway(upstream.url, { logging: { level: 'info', access_log: true }, metrics: { key: METRICS_KEY } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const post = (body: Record<string, unknown>, headers: Record<string, string> = {}, key?: string) =>
  fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: { ...authHeaders(key), ...headers }, body: JSON.stringify(body) });

/** The lines written for one request id (the access line comes when the socket closes: waited for). */
const linesOf = async (requestId: string, until: (lines: Record<string, unknown>[]) => boolean = (lines) => lines.some((l) => l.msg === 'request')) => {
  let lines: Record<string, unknown>[] = [];
  await vi.waitFor(() => {
    lines = gateway.entries().filter((line) => line.request_id === requestId);
    expect(until(lines)).toBe(true);
  });
  return lines;
};

/** A stream whose upstream stops after the first output part until `rest.open()`. */
async function heldStream(url: string) {
  const fixture = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
  const cut = fixture.indexOf('event: response.output_text.delta');
  const rest = gate();
  upstream.reply('/v1/responses', { body: '', script: [fixture.slice(0, cut), rest.promise, fixture.slice(cut)] });
  const stream = await openSse(`${url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }) });
  await stream.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
  return { stream, rest };
}

const storedRequestId = (responseId: string) => {
  const db = new Database(gateway.config.database.url.slice('sqlite:'.length), { readonly: true });
  try {
    return (db.prepare('SELECT request_id FROM responses WHERE id = ?').get(responseId) as { request_id: string | null }).request_id;
  } finally {
    db.close();
  }
};

describe('X-Request-Id', () => {
  it("a JSON answer: the client's id is echoed, sent upstream, stored, and on the access log line with key, model, provider, status and tokens", async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await post({ model: 'gpt-4o', input: 'hi' }, { 'x-request-id': 'client-json-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('client-json-1');
    const { id } = (await res.json()) as { id: string };
    expect(upstream.received.at(-1)!.headers['x-request-id']).toBe('client-json-1');
    expect(storedRequestId(id)).toBe('client-json-1');
    const [access] = (await linesOf('client-json-1')).filter((line) => line.msg === 'request');
    expect(access).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/v1/responses',
      status: 200,
      key: 'alice',
      model: 'gpt-4o',
      provider: 'openai',
      tokens: { input: 21, output: 3, reasoning: 0, cached: 0 },
    });
    expect(access!.duration_ms).toEqual(expect.any(Number));
  });

  it('an SSE answer carries it in its headers, upstream gets it, and the stream is stored with it', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse', { chunkSize: 97 }));
    const stream = await openSse(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { ...authHeaders(TEST_KEYS[1]!.key), 'x-request-id': 'client-sse-1' },
      body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }),
    });
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const events = await stream.rest();
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(upstream.received.at(-1)!.headers['x-request-id']).toBe('client-sse-1');
    expect(storedRequestId(String((events[0]!.response as { id: string }).id))).toBe('client-sse-1');
    const [access] = (await linesOf('client-sse-1')).filter((line) => line.msg === 'request');
    expect(access).toMatchObject({ status: 200, key: 'bob', model: 'gpt-4o', provider: 'openai', tokens: { input: 21, output: 3 } });
  });

  it('the SSE response headers echo it (read raw)', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await post({ model: 'gpt-4o', input: 'hi', stream: true }, { 'x-request-id': 'client-sse-2' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toBe('client-sse-2');
    await res.text();
  });

  it('a background run is stored with it from its first row, and its upstream call carries it', async () => {
    upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await post({ model: 'gpt-4o', input: 'hi', background: true }, { 'x-request-id': 'client-bg-1' });
    expect(res.headers.get('x-request-id')).toBe('client-bg-1');
    const { id } = (await res.json()) as { id: string };
    expect(storedRequestId(id)).toBe('client-bg-1');
    await vi.waitFor(async () => expect(((await (await fetch(`${gateway.url}/v1/responses/${id}`, { headers: authHeaders() })).json()) as { status: string }).status).toBe('completed'));
    expect(upstream.received.at(-1)!.headers['x-request-id']).toBe('client-bg-1');
    expect(storedRequestId(id)).toBe('client-bg-1');
  });

  it("an upstream refusal: the error answer echoes it, and the failure's log line carries it", async () => {
    upstream.reply('/v1/responses', { status: 400, body: JSON.stringify({ error: { message: 'nope', type: 'invalid_request_error', code: 'bad', param: 'input' } }) });
    const res = await post({ model: 'gpt-4o', input: 'hi' }, { 'x-request-id': 'client-err-1' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('client-err-1');
    const lines = await linesOf('client-err-1', (all) => all.length >= 2);
    expect(lines.map((line) => line.msg)).toEqual(['upstream refused the request', 'request']);
    expect(lines[1]).toMatchObject({ status: 400, level: 30 });
  });

  it('is generated when the client sends none, or one too long or with spaces; refusals carry it too', async () => {
    for (const sent of [undefined, 'x'.repeat(129), 'has space']) {
      const res = await fetch(`${gateway.url}/v1/models`, { headers: { ...(sent === undefined ? {} : { 'x-request-id': sent }) } });
      expect(res.status).toBe(401);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^req_[A-Za-z0-9_-]{24}$/);
      expect((await linesOf(id!))[0]).toMatchObject({ msg: 'request', status: 401, key: '', route: '/v1/models' });
    }
  });
});

describe('/healthz and /readyz', () => {
  it('answer at the root without a key, and pass the Host check like everything else', async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const rebound = await rawRequest(`${gateway.url}/healthz`, { headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(403);
    expect(rebound.headers['x-request-id']).toMatch(/^req_/);
  });

  it('/readyz is 503 once shutdown has begun (asked on a connection opened before)', async () => {
    const other = await startTestGateway(upstream.url, { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 30 } });
    // A stream held open keeps shutdown in its grace period while /readyz is asked.
    const { stream, rest } = await heldStream(other.url);

    // The request's head is begun before shutdown (the connection is in use, not idle) and finished after.
    const socket = connect(other.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const answered = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const closed = other.close();
    socket.end('Connection: close\r\n\r\n');
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('{"status":"shutting_down"}');
    rest.open();
    expect((await stream.rest()).at(-1)!.type).toBe('response.completed');
    await closed;
  });
});

/** A Prometheus text page as `name{labels}` → value (labels as written, in prom-client's order). */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('/metrics', () => {
  it('is behind metrics.key when set, and counts known traffic: requests, latency, time to first byte, tokens, upstream errors, streams, commits', async () => {
    const fresh = await startTestGateway(upstream.url, { metrics: { key: METRICS_KEY } });
    try {
      const send = (body: Record<string, unknown>, key?: string) =>
        fetch(`${fresh.url}/v1/responses`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify(body) }).then(async (res) => (await res.text(), res.status));
      upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'), fixtureReply('openai/text-with-conversation.sse'), fixtureReply('openai/text-with-conversation.sse'));
      expect(await send({ model: 'gpt-4o', input: 'hi' })).toBe(200);
      expect(await send({ model: 'gpt-4o', input: 'hi' })).toBe(200);
      expect(await send({ model: 'gpt-4o', input: 'hi', stream: true }, TEST_KEYS[1]!.key)).toBe(200);
      expect(await send({ model: 'no-such-model', input: 'hi' })).toBe(404);
      upstream.reply('/v1/responses', { status: 400, body: JSON.stringify({ error: { message: 'nope', type: 'invalid_request_error', code: 'bad', param: 'input' } }) });
      expect(await send({ model: 'gpt-4o', input: 'hi' })).toBe(400);

      expect((await fetch(`${fresh.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${fresh.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const page = await fetch(`${fresh.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await page.text();
      const m = parseMetrics(text);
      const requests = (status: number, model: string, provider: string, key: string) =>
        m.get(`junction_requests_total{route="/v1/responses",method="POST",status="${status}",model="${model}",provider="${provider}",key="${key}"}`);
      expect(requests(200, 'gpt-4o', 'openai', 'alice')).toBe(2);
      expect(requests(200, 'gpt-4o', 'openai', 'bob')).toBe(1);
      expect(requests(404, '', '', 'alice')).toBe(1);
      expect(requests(400, 'gpt-4o', 'openai', 'alice')).toBe(1);
      expect(m.get('junction_request_duration_seconds_count{route="/v1/responses",provider="openai"}')).toBe(4);
      expect(m.get('junction_time_to_first_byte_seconds_count{route="/v1/responses",provider="openai"}')).toBe(4);
      expect(m.get('junction_request_duration_seconds_count{route="/v1/responses",provider=""}')).toBe(1);
      const tokens = (type: string, key: string) => m.get(`junction_tokens_total{type="${type}",model="gpt-4o",provider="openai",key="${key}"}`);
      expect([tokens('input', 'alice'), tokens('output', 'alice'), tokens('input', 'bob'), tokens('output', 'bob')]).toEqual([42, 6, 21, 3]);
      expect(tokens('reasoning', 'alice')).toBeUndefined(); // none were used
      expect(m.get('junction_upstream_errors_total{provider="openai",code="bad"}')).toBe(1);
      expect(m.get('junction_open_streams')).toBe(0);
      expect(m.get('junction_store_commit_seconds_count')).toBeGreaterThanOrEqual(1);
      for (const name of ['junction_retries_total', 'junction_fallbacks_total', 'junction_cooldowns_total', 'junction_runs_recovered_total']) expect(text).toContain(`# TYPE ${name} counter`);
      // The process's own, under prom-client's standard names.
      expect(m.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
      expect(m.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
    } finally {
      await fresh.close();
    }
  });

  it('counts a stream as open while it is written', async () => {
    const fresh = await startTestGateway(upstream.url);
    try {
      const { stream, rest } = await heldStream(fresh.url);
      const scrape = async () => parseMetrics(await (await fetch(`${fresh.url}/metrics`)).text()).get('junction_open_streams');
      expect(await scrape()).toBe(1); // open: no metrics.key here
      rest.open();
      await stream.rest();
      await vi.waitFor(async () => expect(await scrape()).toBe(0));
    } finally {
      await fresh.close();
    }
  });
});
