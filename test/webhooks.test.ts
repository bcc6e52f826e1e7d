// Webhooks end to end: a real gateway, real runs against the mock upstream, a real receiver, and the real `openai` SDK verifying every delivery.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { signWebhook, webhookKey } from '../src/webhooks/sign-webhook.js';
import { fixturePath, fixtureReply, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';
import { newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const FIXTURE = 'openai/text-with-conversation.sse';
const RECORDED = readFileSync(fixturePath(FIXTURE), 'utf8');
const HEAD = RECORDED.slice(0, RECORDED.indexOf('event: response.output_text.delta'));

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

/** What each test started, stopped after it (the gateway first: it hands back attempts in flight). */
const started: { gateways: TestGateway[]; receivers: WebhookReceiver[]; dirs: string[] } = { gateways: [], receivers: [], dirs: [] };
afterEach(async () => {
  for (const gateway of started.gateways.splice(0)) await gateway.close();
  for (const receiver of started.receivers.splice(0)) {
    expect(receiver.refused).toEqual([]);
    await receiver.close();
  }
  for (const dir of started.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function receiver(port?: number, secret?: string): Promise<WebhookReceiver> {
  const started_ = await startWebhookReceiver(secret, port);
  started.receivers.push(started_);
  return started_;
}

/** A gateway on a kept directory (a test reads its outbox after close, or starts it again). */
async function gateway(webhooks: Record<string, unknown>[], dir = mkdtempSync(join(tmpdir(), 'junction-webhooks-'))): Promise<TestGateway> {
  if (!started.dirs.includes(dir)) started.dirs.push(dir);
  const running = await startTestGateway(upstream.url, { webhooks }, dir, false);
  started.gateways.push(running);
  return running;
}

async function stop(running: TestGateway): Promise<void> {
  started.gateways.splice(started.gateways.indexOf(running), 1);
  await running.close();
}

const hook = (to: WebhookReceiver, more: Record<string, unknown> = {}) => ({ url: to.url, secret: to.secret, allow_private: true, retry_initial_s: 0.05, ...more });

const client = (running: TestGateway, key = 'sk-test-alice') => new OpenAI({ baseURL: `${running.url}/v1`, apiKey: key, maxRetries: 0 });

/** A background response, run to its end against the recording. */
async function background(running: TestGateway, key?: string): Promise<string> {
  upstream.reply('/v1/responses', fixtureReply(FIXTURE));
  const created = await client(running, key).responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
  return created.id;
}

/** The outbox rows left in a stopped gateway's database. */
function outbox(dir: string): { event_id: string; endpoint: string; response_id: string; state: string; attempts: number }[] {
  const db = new Database(join(dir, 'junction.db'), { readonly: true });
  try {
    return db.prepare('SELECT event_id, endpoint, response_id, state, attempts FROM webhook_deliveries ORDER BY created_at, endpoint').all() as never;
  } finally {
    db.close();
  }
}

const sdk = new OpenAI({ apiKey: 'unused' });

describe('webhooks', () => {
  it('notifies a background response’s end, signed so that the SDK’s unwrap() verifies it, and refuses a tampered body, a wrong secret, an old timestamp', async () => {
    const to = await receiver();
    const running = await gateway([hook(to)]);
    const id = await background(running);
    const [delivery] = await to.waitFor(1);
    const { headers, body, event } = delivery!;

    expect(event).toEqual({ id: expect.stringMatching(/^evt_[0-9a-f]{48}$/), object: 'event', created_at: expect.any(Number), type: 'response.completed', data: { id } });
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toContain('Junction');
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    // The receiver GETs the response itself.
    expect(await client(running).responses.retrieve(id)).toMatchObject({ id, status: 'completed' });

    const tampered = body.replace(id, `${id}x`);
    await expect(sdk.webhooks.unwrap(tampered, headers, to.secret)).rejects.toBeInstanceOf(InvalidWebhookSignatureError);
    await expect(sdk.webhooks.unwrap(body, headers, newWebhookSecret())).rejects.toBeInstanceOf(InvalidWebhookSignatureError);
    // Signed right but ten minutes old: refused for its age alone (the same body signed now passes).
    const key = webhookKey(to.secret)!;
    const resigned = (at: number) => ({ ...headers, 'webhook-timestamp': String(at), 'webhook-signature': signWebhook(key, event.id, at, body) });
    const now = Math.floor(Date.now() / 1000);
    await expect(sdk.webhooks.unwrap(body, resigned(now - 600), to.secret)).rejects.toThrow('Webhook timestamp is too old');
    await expect(sdk.webhooks.unwrap(body, resigned(now), to.secret)).resolves.toEqual(event);
  });

  it('retries a receiver that fails twice: it gets one event id three times', async () => {
    const to = await receiver();
    to.answer([500, 503]);
    const running = await gateway([hook(to)]);
    const id = await background(running);
    const deliveries = await to.waitFor(3);
    expect(deliveries.map((d) => d.status)).toEqual([500, 503, 200]);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    expect(deliveries.every((d) => d.event.data.id === id)).toBe(true);
    await stop(running);
    expect(outbox(running.dir)).toEqual([]);
  });

  it('does not follow a redirect, and takes no answer within timeout_s as a failed attempt: both are retried', async () => {
    const elsewhere = await receiver();
    const to = await receiver();
    to.answer([307, 0], 200, elsewhere.url);
    const running = await gateway([hook(to, { timeout_s: 0.2 })]);
    const id = await background(running);
    const deliveries = await to.waitFor(3);
    expect(deliveries.map((d) => d.status)).toEqual([307, 0, 200]);
    expect(new Set(deliveries.map((d) => d.event.id)).size).toBe(1);
    expect(deliveries[2]!.event.data.id).toBe(id);
    // A followed redirect would have reached it before the second attempt.
    expect(elsewhere.received).toEqual([]);
  });

  it('lets a slow endpoint hold up only its own deliveries', async () => {
    const slow = await receiver();
    const quick = await receiver();
    slow.answer([0]);
    quick.answer([500]);
    await gateway([hook(slow, { timeout_s: 30 }), hook(quick)]);
    const id = await background(started.gateways[0]!);
    // The quick endpoint's retry goes out while the slow one's first attempt is still unanswered.
    const [, retried] = await quick.waitFor(2);
    expect(retried).toMatchObject({ status: 200, event: { data: { id } } });
    expect(slow.received).toHaveLength(1);
    await slow.close(); // its attempt now fails at once, and shutdown need not wait for it
  });

  it('keeps a delivery the receiver did not take across a restart, and sends the same event after it', async () => {
    const to = await receiver();
    to.answer([], 503);
    const first = await gateway([hook(to)]);
    const id = await background(first);
    const [refused] = await to.waitFor(1);
    await stop(first);
    const [left] = outbox(first.dir);
    expect(left).toEqual({ event_id: refused!.event.id, endpoint: to.url, response_id: id, state: 'pending', attempts: expect.any(Number) });
    expect(left!.attempts).toBeGreaterThanOrEqual(1);
    const before = to.received.length;

    // The receiver comes back; the next start sends the pending event.
    to.answer([], 200);
    await gateway([hook(to)], first.dir);
    const delivered = (await to.waitFor(before + 1)).at(-1);
    expect(delivered!.status).toBe(200);
    expect(delivered!.headers['webhook-id']).toBe(refused!.headers['webhook-id']);
    expect(delivered!.event.data.id).toBe(id);
  });

  it('stops sending to an endpoint that answers 410 Gone, until the gateway restarts', async () => {
    const gone = await receiver();
    const other = await receiver();
    gone.answer([410]);
    const first = await gateway([hook(gone), hook(other)]);
    const one = await background(first);
    await other.waitFor(1);
    const two = await background(first);
    const [, second] = await other.waitFor(2);
    expect(second!.event.data.id).toBe(two);
    await stop(first);
    expect(gone.received.map((d) => [d.event.data.id, d.status])).toEqual([[one, 410]]);
    expect(outbox(first.dir).map((row) => [row.response_id, row.endpoint, row.attempts])).toEqual([
      [one, gone.url, 1],
      [two, gone.url, 0],
    ]);

    await gateway([hook(gone), hook(other)], first.dir);
    const after = await gone.waitFor(3);
    expect(after.slice(1).map((d) => d.event.data.id).sort()).toEqual([one, two].sort());
  });

  it('notifies foreground ends only for `for: all`, and only for the listed keys and events; a cancel is response.cancelled', async () => {
    const everyBackground = await receiver();
    const bobsCompleted = await receiver();
    const running = await gateway([hook(everyBackground), hook(bobsCompleted, { for: 'all', keys: ['bob'], events: ['response.completed'] })]);

    upstream.reply('/v1/responses', fixtureReply(FIXTURE));
    const alicesForeground = await client(running).responses.create({ model: 'gpt-4o', input: 'Say hi' });
    upstream.reply('/v1/responses', fixtureReply(FIXTURE));
    const bobsForeground = await client(running, 'sk-test-bob').responses.create({ model: 'gpt-4o', input: 'Say hi' });
    const stalled = gate();
    upstream.reply('/v1/responses', { body: '', script: [HEAD, stalled.promise] });
    const cancelled = await client(running, 'sk-test-bob').responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    expect((await client(running, 'sk-test-bob').responses.cancel(cancelled.id)).status).toBe('cancelled');
    stalled.open();

    const [cancelNotice] = await everyBackground.waitFor(1);
    expect(cancelNotice!.event).toMatchObject({ type: 'response.cancelled', data: { id: cancelled.id } });
    const [bobsNotice] = await bobsCompleted.waitFor(1);
    expect(bobsNotice!.event).toMatchObject({ type: 'response.completed', data: { id: bobsForeground.id } });
    // Every notice written was delivered (the outbox is empty), so the receivers saw all there were.
    await stop(running);
    expect(outbox(running.dir)).toEqual([]);
    expect(everyBackground.received.map((d) => d.event.data.id)).toEqual([cancelled.id]);
    expect(bobsCompleted.received.map((d) => d.event.data.id)).toEqual([bobsForeground.id]);
    expect(alicesForeground.status).toBe('completed');
  });
});

describe('webhook configuration', () => {
  const secret = newWebhookSecret();
  const refusal = (webhooks: string) => {
    try {
      parseConfig(`webhooks:\n${webhooks}`, 'test.yaml', { HOOK_SECRET: secret });
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the config parsed');
  };

  it('refuses a bad URL or secret at start, naming the key', () => {
    expect(refusal('  - { url: "not a url", secret: "${HOOK_SECRET}" }')).toContain('webhooks[0].url');
    expect(refusal('  - { url: "https://hooks.example/a", secret: "not-whsec" }')).toMatch(/webhooks\[0\]\.secret.*whsec_/);
    expect(refusal('  - { url: "ftp://hooks.example/a", secret: "${HOOK_SECRET}" }')).toContain('webhooks[0].url');
    expect(refusal('  - { url: "http://hooks.example/a", secret: "${HOOK_SECRET}" }')).toMatch(/webhooks\[0\]\.url.*https/);
    expect(refusal('  - { url: "https://hooks.example/a", secret: "${HOOK_SECRET}", events: ["response.created"] }')).toContain('webhooks[0].events');
    expect(refusal('  - { url: "https://hooks.example/a", secret: "${UNSET_SECRET}" }')).toContain('UNSET_SECRET');
  });

  it('refuses a private address without allow_private: a literal when the config is read, a name when the gateway starts', async () => {
    expect(refusal('  - { url: "http://127.0.0.1:9/hooks", secret: "${HOOK_SECRET}" }')).toMatch(/webhooks\[0\]\.url.*127\.0\.0\.1.*allow_private/);
    expect(refusal('  - { url: "https://10.0.0.5/hooks", secret: "${HOOK_SECRET}" }')).toMatch(/webhooks\[0\]\.url.*allow_private/);
    expect(refusal('  - { url: "https://[::1]/hooks", secret: "${HOOK_SECRET}" }')).toMatch(/webhooks\[0\]\.url.*allow_private/);
    const dir = mkdtempSync(join(tmpdir(), 'junction-webhooks-'));
    started.dirs.push(dir);
    await expect(startTestGateway(upstream.url, { webhooks: [{ url: 'https://localhost:9/hooks', secret }] }, dir, false)).rejects.toThrow(
      /webhooks\[0\]\.url: localhost resolves to .*loopback or private.*allow_private/,
    );
  });
});
