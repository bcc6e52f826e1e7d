// Two gateway processes on one PostgreSQL: any instance serves any request, a background run is followed and cancelled from the other, a killed instance's runs are taken over, and each webhook goes out once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../support/build-cli.js';
import { childConfig, startChildGateway, type ChildGateway } from '../support/child-gateway.js';
import { fixturePath, gate, startMockUpstream, type MockUpstream } from '../support/mock-upstream.js';
import { openSse, type SseItem } from '../support/sse-stream.js';
import { createTestDatabase, dropTestDatabases } from '../support/test-database.js';
import { authHeaders } from '../support/test-gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const HEAD = FIXTURE.slice(0, FIXTURE.indexOf('event: response.output_text.delta'));
const REST = FIXTURE.slice(HEAD.length);
/** Short leases, so that a takeover comes within a second or two; polled often, so a tail and a cancel are quick. */
const LEASES = 'background: { lease_s: 1, poll_ms: 50 }';

let upstream: MockUpstream;
let cli: BuiltCli;
let dir: string;
const running: ChildGateway[] = [];
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
  cli = buildCli();
  dir = mkdtempSync(join(tmpdir(), 'junction-two-instances-'));
});
afterEach(async () => {
  for (const gateway of running.splice(0)) {
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  for (const receiver of receivers.splice(0)) await receiver.close();
  await upstream.idle();
});
afterAll(async () => {
  await upstream.close();
  cli.remove();
  rmSync(dir, { recursive: true, force: true });
  await dropTestDatabases();
});

/** Two gateways on one fresh PostgreSQL schema, each with its own config file. */
async function twoInstances(extra: string[] = []): Promise<[ChildGateway, ChildGateway, string]> {
  const database = await createTestDatabase();
  const start = async (name: string) => {
    const gateway = await startChildGateway(cli, dir, childConfig(dir, upstream.url, [LEASES, ...extra], { database, name }));
    running.push(gateway);
    return gateway;
  };
  // One after the other: the first runs the migrations.
  const a = await start('a.yaml');
  return [a, await start('b.yaml'), database];
}

const clientOf = (gateway: ChildGateway) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
const streamOf = (gateway: ChildGateway, id: string, after?: number) =>
  openSse(`${gateway.url}/v1/responses/${id}?stream=true${after === undefined ? '' : `&starting_after=${after}`}`, { headers: authHeaders('sk-test-alice') });
const event = (type: string) => (item: SseItem) => item.kind === 'event' && item.data.type === type;

/** Waits until the upstream has received `count` requests (the gateway has sent its request on). */
async function upstreamReceived(count: number): Promise<void> {
  while (upstream.received.length < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('two gateway instances on one PostgreSQL', () => {
  it('serve any request from either: retrieve, list, chain, reference an item and delete across, one conversation appended from both in order', async () => {
    const [a, b] = await twoInstances();
    upstream.reply('/v1/responses', { body: '', script: [FIXTURE] }, { body: '', script: [FIXTURE] });
    const first = await clientOf(a).responses.create({ model: 'gpt-4o', input: 'Made on A' });
    expect(await clientOf(b).responses.retrieve(first.id)).toMatchObject({ id: first.id, status: 'completed', output_text: first.output_text });
    expect((await clientOf(b).responses.inputItems.list(first.id)).data).toMatchObject([{ type: 'message', content: [{ text: 'Made on A' }] }]);

    // Chained on B: the history B sends upstream is what A stored.
    const second = await clientOf(b).responses.create({ model: 'gpt-4o', input: 'Chained on B', previous_response_id: first.id });
    const sent = upstream.received.at(-1)!.json.input as { content: unknown }[];
    expect(JSON.stringify(sent)).toContain('Made on A');
    expect(JSON.stringify(sent)).toContain(first.output_text);
    expect(await clientOf(a).responses.retrieve(second.id)).toMatchObject({ previous_response_id: first.id });

    // An item A stored, referenced by id on B: B sends the item itself upstream.
    upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    const answerId = first.output.find((item) => item.type === 'message')!.id;
    await clientOf(b).responses.create({ model: 'gpt-4o', input: [{ type: 'item_reference', id: answerId }, { role: 'user', content: 'And again?' }] });
    const referenced = upstream.received.at(-1)!.json.input as { id?: string; type?: string }[];
    expect(referenced[0]).toMatchObject({ id: answerId, type: 'message' });
    expect(JSON.stringify(referenced[0])).toContain(first.output_text);

    await clientOf(b).responses.delete(first.id);
    await expect(clientOf(a).responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });

    const conversation = await clientOf(a).conversations.create({ items: [{ type: 'message', role: 'user', content: 'Opened on A' }] });
    upstream.reply('/v1/responses', ...[0, 1, 2, 3].map(() => ({ body: '', script: [FIXTURE] })));
    for (const [i, gateway] of [a, b, a, b].entries()) {
      await clientOf(gateway).responses.create({ model: 'gpt-4o', input: `Turn ${i}`, conversation: conversation.id });
    }
    const items = await clientOf(b).conversations.items.list(conversation.id, { order: 'asc', limit: 100 });
    const said = items.data.map((item) => (item.type === 'message' ? (item.content[0] as { text: string }).text : item.type));
    expect(said).toEqual(['Opened on A', ...[0, 1, 2, 3].flatMap((i) => [`Turn ${i}`, first.output_text])]);
  });

  it('let a background run started on A be polled, followed live and cancelled from B', async () => {
    const [a, b] = await twoInstances();
    const held = gate();
    upstream.reply('/v1/responses', { body: '', script: [HEAD, held.promise, REST] });
    const run = await clientOf(a).responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    await upstreamReceived(1);
    expect((await clientOf(b).responses.retrieve(run.id)).status).toMatch(/queued|in_progress/);

    // B follows the log A writes: what is logged already, then the rest as A logs it.
    const tail = await streamOf(b, run.id, 0);
    expect(tail.json).toBeUndefined();
    await tail.until(event('response.content_part.added'));
    held.open();
    const all = await tail.rest();
    expect(all.at(-1)!.type).toBe('response.completed');
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i + 1));
    expect((await clientOf(b).responses.retrieve(run.id)).status).toBe('completed');

    // A run A holds, cancelled from B: A stops it upstream and stores its end; B answers with it.
    const before = upstream.received.length;
    upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const long = await clientOf(a).responses.create({ model: 'gpt-4o', input: 'Go on forever', background: true });
    await upstreamReceived(before + 1);
    const watched = await streamOf(b, long.id);
    await watched.until(event('response.in_progress'));
    const cancelled = await clientOf(b).responses.cancel(long.id);
    expect(cancelled).toMatchObject({ id: long.id, status: 'cancelled' });
    const end = await watched.rest();
    expect(end.at(-1)!.type).toBe('response.cancelled');
    await upstream.idle();
    expect(upstream.received.at(-1)!.replySent).toBe(false);
    expect((await clientOf(a).responses.retrieve(long.id)).status).toBe('cancelled');
    // Cancelling again, from either, leaves it as it ended.
    expect((await clientOf(a).responses.cancel(long.id)).status).toBe('cancelled');
  });

  it('take over the runs of an instance killed with SIGKILL: one with output ends failed, one without runs again', async () => {
    const [a, b] = await twoInstances();
    upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const withOutput = await clientOf(a).responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    const watched = await streamOf(b, withOutput.id);
    const seen = await watched.until(event('response.content_part.added'));

    const before = upstream.received.length;
    upstream.reply('/v1/responses', { body: '', script: [gate().promise] });
    const silent = await clientOf(a).responses.create({ model: 'gpt-4o', input: 'Think first', background: true });
    await upstreamReceived(before + 1);

    upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    // B's sweep finds both once A's lease lapses: B holds them now (the name its start line gave).
    await b.logged('restart recovery');
    const instanceOf = (gateway: ChildGateway) => /"instance":"([^"]+)"/.exec(gateway.output())![1]!;
    expect(instanceOf(a)).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
    expect(instanceOf(a)).not.toBe(instanceOf(b));

    // The stream B was following gets the end B wrote for the run A left.
    const last = seen.kind === 'event' ? (seen.data.sequence_number as number) : NaN;
    const end = (await watched.rest()).filter((e) => (e.sequence_number as number) > last);
    expect(end.map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(await clientOf(b).responses.retrieve(withOutput.id)).toMatchObject({ status: 'failed', error: { code: 'server_error' } });

    const rerun = await streamOf(b, silent.id);
    const events = await rerun.rest();
    expect(events.at(-1)!.type).toBe('response.completed');
    expect((await clientOf(b).responses.retrieve(silent.id)).status).toBe('completed');
    expect(upstream.received.at(-1)!.json.input).toEqual(upstream.received[before]!.json.input);
  });

  it('deliver each webhook once, whichever instance ended the response, with both delivery loops claiming', async () => {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const hook = `webhooks: [ { url: "${receiver.url}", secret: "${receiver.secret}", allow_private: true } ]`;
    const [a, b, database] = await twoInstances([hook]);
    const count = 8;
    upstream.reply('/v1/responses', ...Array.from({ length: count }, () => ({ body: '', script: [FIXTURE] })));
    const made = await Promise.all(
      Array.from({ length: count }, (_, i) => clientOf(i % 2 === 0 ? a : b).responses.create({ model: 'gpt-4o', input: `Webhook ${i}`, background: true })),
    );
    await receiver.waitFor(count);
    // Once the outbox is empty no row is left to claim: whatever was delivered twice has arrived by then.
    const outbox = new pg.Client({ connectionString: database });
    await outbox.connect();
    try {
      while (Number((await outbox.query('SELECT count(*) AS n FROM webhook_deliveries')).rows[0].n) > 0) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await outbox.end();
    }
    expect(receiver.received.map((d) => d.event.data.id).sort()).toEqual(made.map((r) => r.id).sort());
    expect(new Set(receiver.received.map((d) => d.event.id)).size).toBe(count);
  });
});
