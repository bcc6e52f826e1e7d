// Shutdown: streams get server.shutdown_grace_s to finish, then end with error + response.failed; the process exits 0, once, on SIGTERM or SIGINT.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from './support/build-cli.js';
import { childConfig, startChildGateway } from './support/child-gateway.js';
import { fixturePath, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { openSse } from './support/sse-stream.js';
import { authHeaders, startTestGateway, TEST_KEYS } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const CUT = FIXTURE.indexOf('event: response.output_text.delta');
let upstream: MockUpstream;

beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(async () => {
  await upstream.close();
});

const openStream = (url: string, key = TEST_KEYS[0]!.key) =>
  openSse(`${url}/v1/responses`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }) });

describe('a gateway closing (in process)', () => {
  it('lets a stream that ends within the grace period end as it would have', async () => {
    const gateway = await startTestGateway(upstream.url, { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 30 } });
    const rest = gate();
    upstream.reply('/v1/responses', { body: '', script: [FIXTURE.slice(0, CUT), rest.promise, FIXTURE.slice(CUT)] });
    const stream = await openStream(gateway.url);
    await stream.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
    const closed = gateway.close();
    rest.open();
    expect((await stream.rest()).at(-1)!.type).toBe('response.completed');
    await closed;
  });

  it('ends a stream still open after the grace period with error + response.failed, and closes', async () => {
    const gateway = await startTestGateway(upstream.url, { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 0.2 } });
    upstream.reply('/v1/responses', { body: '', script: [FIXTURE.slice(0, CUT), gate().promise] });
    const stream = await openStream(gateway.url);
    await stream.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
    const closed = gateway.close();
    const events = await stream.rest();
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(events.at(-2)).toMatchObject({ code: 'server_shutting_down' });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    await closed;
    await upstream.idle(); // the upstream call was aborted, not left hanging
  });
});

describe('a gateway closing with a background run going', () => {
  it('does not wait for it: it is left as it stands, and the next start ends it failed (it had output)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-shutdown-bg-'));
    const overrides = { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 30 } };
    const gateway = await startTestGateway(upstream.url, overrides, dir);
    upstream.reply('/v1/responses', { body: '', script: [FIXTURE.slice(0, CUT), gate().promise] });
    const subscriber = await openSse(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: authHeaders(),
      body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true, background: true }),
    });
    const created = await subscriber.until((item) => item.kind === 'event' && item.data.type === 'response.created');
    const id = String(created.kind === 'event' ? (created.data.response as { id: string }).id : '');
    await subscriber.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
    // The grace is 30 s: a close that waited for the background run would time the test out.
    await gateway.close();
    const cut = await subscriber.rest();
    expect(cut.some((e) => e.type === 'response.failed' || e.type === 'response.completed')).toBe(false);

    const next = await startTestGateway(upstream.url, overrides, dir, true);
    const after = await fetch(`${next.url}/v1/responses/${id}`, { headers: authHeaders() });
    expect(await after.json()).toMatchObject({ id, status: 'failed', error: { code: 'server_error' } });
    await next.close();
  });
});

describe('the gateway process', () => {
  let cli: BuiltCli;
  let dir: string;
  beforeAll(() => {
    cli = buildCli();
    dir = mkdtempSync(join(tmpdir(), 'junction-shutdown-'));
  });
  afterAll(() => {
    cli.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} (sent twice, as npm start in a terminal does) ends a hung stream after the grace period and exits 0`, async () => {
      const gateway = await startChildGateway(cli, dir, childConfig(dir, upstream.url, ['server: { host: 127.0.0.1, shutdown_grace_s: 0.5 }']));
      upstream.reply('/v1/responses', { body: '', script: [FIXTURE.slice(0, CUT), gate().promise] });
      const stream = await openStream(gateway.url, 'sk-test-alice');
      await stream.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
      gateway.child.kill(signal);
      await gateway.logged('shutting down');
      gateway.child.kill(signal);
      await gateway.logged('already shutting down');
      const events = await stream.rest();
      expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('"cut":1');
    });
  }
});
