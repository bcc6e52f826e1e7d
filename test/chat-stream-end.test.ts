// A Chat stream that is whole but never ends (no `[DONE]`, socket held open) completes, and the upstream call is closed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/config-schema.js';
import { newItemId } from '../src/pipeline/ids.js';
import { createChatCompletionsProvider } from '../src/providers/chat-completions-provider.js';
import { UpstreamAbort } from '../src/providers/upstream-abort.js';
import type { JsonObject, ResponsesEvent } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, startMockUpstream, type MockUpstream, type Reply } from './support/mock-upstream.js';
import { readSseFixture } from './support/read-sse-fixture.js';
import { streamViolations } from './support/stream-invariants.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const DONE = Buffer.from('data: [DONE]');

/** A recording's bytes up to its `data: [DONE]`, then nothing more on a socket left open. */
function heldOpenWithoutDone(relative: string, chunkSize?: number): Reply {
  const bytes = readFileSync(fixturePath(relative));
  const cut = bytes.lastIndexOf(DONE);
  expect(cut).toBeGreaterThan(0);
  return { body: bytes.subarray(0, cut), contentType: 'text/event-stream', chunkSize, end: 'hang' };
}

/** Synthetic: a recording's chunks without their usage (a server that ignores include_usage), held open without `[DONE]`. */
function heldOpenWithoutUsage(relative: string): Reply {
  const chunks = readSseFixture(relative)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => {
      const { usage: _usage, ...rest } = JSON.parse(e.data) as JsonObject;
      return `data: ${JSON.stringify(rest)}\n\n`;
    });
  return { body: chunks.join(''), contentType: 'text/event-stream', end: 'hang' };
}

describe('a Chat upstream that sends its finish_reason and usage, then holds the socket without [DONE]', () => {
  const env = useGatewayWithMock();

  it.each(['openrouter/chat-text.sse', 'openai/chat-tool-calls.sse', 'openrouter/chat-reasoning-anthropic.sse'])(
    '%s: the stream completes with its usage, the stored response is completed, the upstream call is closed',
    async (file) => {
      env.upstream.reply('/v1/chat/completions', heldOpenWithoutDone(file, 256));
      const result = await postResponses(env.gateway.url, { model: 'openrouter/some/model', input: 'replay', stream: true });
      expect(result.status).toBe(200);
      expect(streamViolations(result.events)).toEqual([]);
      const final = result.events.at(-1)!;
      expect(final.type).toBe('response.completed');
      const response = final.response as JsonObject;
      expect(response.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
      const stored = await getJson(env.gateway.url, `/v1/responses/${String(response.id)}`);
      expect(stored.json).toEqual(response);
      await env.upstream.idle();
      expect(env.upstream.activeRequests()).toBe(0);
      expect(env.upstream.received.at(-1)!.replySent).toBe(false);
    },
  );

  it('answers a non-streaming client too', async () => {
    env.upstream.reply('/v1/chat/completions', heldOpenWithoutDone('openrouter/chat-text.sse'));
    const result = await postResponses(env.gateway.url, { model: 'openrouter/some/model', input: 'replay' });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ status: 'completed', usage: { total_tokens: 23 } });
    await env.upstream.idle();
  });
});

describe('the Chat provider on its own, with the usage grace injected', () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream();
  });
  afterAll(() => upstream.close());

  const provider = (usageGraceMs: number) => {
    const config = configSchema.parse({ providers: { local: { type: 'chat-completions', base_url: upstream.url } } });
    return createChatCompletionsProvider('local', config.providers.local!, config.limits, { usageGraceMs });
  };

  async function run(usageGraceMs: number): Promise<ResponsesEvent[]> {
    const opened = await provider(usageGraceMs).open({
      request: { model: 'm', input: 'replay' },
      upstreamModel: 'm',
      input: 'replay',
      historyLength: 0,
      reasoningModel: false,
      maxOutputTokensCeiling: 100_000,
      newItemId,
      signal: new UpstreamAbort(),
      captureExchange: false,
    });
    const events: ResponsesEvent[] = [];
    for await (const batch of opened.events) events.push(...batch);
    return events;
  }

  it('does not wait out the grace once the usage is in (a grace of a minute would time the test out)', async () => {
    upstream.reply('/v1/chat/completions', heldOpenWithoutDone('openrouter/chat-text.sse', 64));
    const events = await run(60_000);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { usage: { total_tokens: 23 } } });
    await upstream.idle();
  });

  it('without usage, completes after the grace and closes the upstream call', async () => {
    upstream.reply('/v1/chat/completions', heldOpenWithoutUsage('openrouter/chat-text.sse'));
    const events = await run(0);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed', usage: null } });
    const text = events.find((e) => e.type === 'response.output_text.done') as JsonObject | undefined;
    expect(text?.text).toBeTruthy();
    await upstream.idle();
    expect(upstream.activeRequests()).toBe(0);
  });

  it('a stream cut before its finish_reason still fails: the grace starts only at the finish chunk', async () => {
    const bytes = readFileSync(fixturePath('openrouter/chat-text.sse'));
    upstream.reply('/v1/chat/completions', { body: bytes.subarray(0, bytes.lastIndexOf('data: ', bytes.indexOf('"finish_reason":"stop"'))), contentType: 'text/event-stream' });
    const events = await run(0);
    expect(events.at(-1)).toMatchObject({ type: 'response.failed' });
  });
});
