// kill -9 mid-run, then restart: every run ends in a terminal state, every acknowledged response is intact, a resumed stream gets its end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from './support/build-cli.js';
import { childConfig, startChildGateway, type ChildGateway } from './support/child-gateway.js';
import { fixturePath, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { openSse } from './support/sse-stream.js';
import { authHeaders } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const HEAD = FIXTURE.slice(0, FIXTURE.indexOf('event: response.output_text.delta'));

let upstream: MockUpstream;
let cli: BuiltCli;
let dir: string;
let gateway: ChildGateway | undefined;

beforeAll(async () => {
  upstream = await startMockUpstream();
  cli = buildCli();
  dir = mkdtempSync(join(tmpdir(), 'junction-restart-'));
});
afterAll(async () => {
  if (gateway?.child.exitCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  await upstream.close();
  cli.remove();
  rmSync(dir, { recursive: true, force: true });
});

const clientOf = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('a gateway killed with SIGKILL mid-run, then started again', () => {
  it('ends the run that had output failed, runs again the one that had none, and keeps what was acknowledged', async () => {
    const config = childConfig(dir, upstream.url);
    gateway = await startChildGateway(cli, dir, config);
    let client = clientOf(gateway.url);

    upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    const done = await client.responses.create({ model: 'gpt-4o', input: 'Acknowledged before the crash' });

    // A run with output: its client has seen text events when the process dies.
    upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const withOutput = await client.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true, stream: true });
    const seen: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of withOutput) {
      seen.push(event);
      if (event.type === 'response.content_part.added') break;
    }
    const outputId = (seen[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;

    // A run with no output yet: upstream has its request and says nothing.
    const before = upstream.received.length;
    upstream.reply('/v1/responses', { body: '', script: [gate().promise] });
    const silent = await client.responses.create({ model: 'gpt-4o', input: 'Think first', background: true });
    while (upstream.received.length === before) await new Promise((resolve) => setImmediate(resolve));

    gateway.child.kill('SIGKILL');
    expect(await gateway.exited).toBe('SIGKILL');

    upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    gateway = await startChildGateway(cli, dir, config);
    client = clientOf(gateway.url);
    expect(gateway.output()).toContain('restart recovery');

    const failed = await client.responses.retrieve(outputId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    // The SDK raises the stream's `error` event as an exception; the raw stream shows the end itself.
    const after = seen.at(-1)!.sequence_number;
    await expect(client.responses.retrieve(outputId, { stream: true, starting_after: after }).then(collect)).rejects.toThrow(/gateway restarted/);
    const resumed = await (await openSse(`${gateway.url}/v1/responses/${outputId}?stream=true&starting_after=${after}`, { headers: authHeaders('sk-test-alice') })).rest();
    expect(resumed.map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(resumed[0]!.sequence_number).toBe(after + 1);

    const rerun = await collect(await client.responses.retrieve(silent.id, { stream: true }));
    expect(rerun.at(-1)!.type).toBe('response.completed');
    expect(rerun.map((e) => e.sequence_number)).toEqual(rerun.map((_, i) => i));
    expect((await client.responses.retrieve(silent.id)).status).toBe('completed');
    expect(upstream.received.at(-1)!.json.input).toEqual(upstream.received[before]!.json.input);
    // Run again under the id of the request that created it.
    expect(upstream.received.at(-1)!.headers['x-request-id']).toMatch(/^req_/);
    expect(upstream.received.at(-1)!.headers['x-request-id']).toBe(upstream.received[before]!.headers['x-request-id']);

    const kept = await client.responses.retrieve(done.id);
    expect(kept).toMatchObject({ status: 'completed', output_text: done.output_text });
    const items = await client.responses.inputItems.list(done.id);
    expect(items.data).toHaveLength(1);
  });
});
