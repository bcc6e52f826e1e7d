// Every recorded OpenAI/xAI Responses stream, replayed through the gateway: well-formed stream, same object everywhere.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foldWithOpenAiSdk } from '../transformers/chat/check-event-invariants.test-support.js';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply } from './support/mock-upstream.js';
import { recordedTerminal } from './support/read-sse-fixture.js';
import { streamViolations } from './support/stream-invariants.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const NATIVE = [
  ...readdirSync(fixturePath('openai'))
    .filter((f) => f.endsWith('.sse') && !f.startsWith('chat-'))
    .map((f) => ({ file: `openai/${f}`, model: 'gpt-4o' })),
  ...readdirSync(fixturePath('xai'))
    .filter((f) => f.endsWith('.sse'))
    .map((f) => ({ file: `xai/${f}`, model: 'grok-code-fast-1' })),
  // OpenRouter's own Responses endpoint (data-only framing, ends with [DONE]) speaks the same protocol.
  { file: 'openrouter/responses-reasoning-text.sse', model: 'gpt-4o' },
];

/** The upstream's own terminal response, read from the recording. */
const recordedResponse = (file: string) => recordedTerminal(file)?.response as JsonObject | undefined;

const withoutIds = (items: unknown) => (items as JsonObject[]).map(({ id: _id, ...rest }) => rest);

const withoutEncrypted = (items: unknown) => (items as JsonObject[]).map(({ encrypted_content: _encrypted, ...rest }) => rest);

/** The gateway fills `logprobs: []` on output text where older or other upstreams leave it off (the spec requires it). */
const withLogprobs = (items: unknown) =>
  (items as JsonObject[]).map((item) =>
    item.type === 'message' && Array.isArray(item.content)
      ? { ...item, content: (item.content as JsonObject[]).map((p) => (p.type === 'output_text' ? { logprobs: [], ...p } : p)) }
      : item,
  );

const env = useGatewayWithMock();

describe.each(NATIVE.filter((f) => !f.file.includes('error-event')))('replaying $file', ({ file, model }) => {
  it('streams a complete, numbered stream whose final object is what GET returns', async () => {
    env.upstream.reply('/v1/responses', fixtureReply(file, { chunkSize: 997 }));
    const result = await postResponses(env.gateway.url, { model, input: 'replay', stream: true });

    expect(result.status).toBe(200);
    expect(streamViolations(result.events)).toEqual([]);
    expect(result.names).toEqual(result.events.map((e) => e.type));
    const final = result.events.at(-1)!.response as JsonObject;
    expect(final.id).toMatch(/^resp_[0-9a-f]{48}$/);
    // What an SDK client folds from the events is the final object's output (OpenAI encrypts reasoning anew for
    // its final object, which the gateway keeps).
    expect(withoutEncrypted(foldWithOpenAiSdk(result.events))).toEqual(withoutEncrypted(final.output));

    const stored = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}`);
    expect(stored.status).toBe(200);
    expect(stored.json).toEqual(final);

    const recorded = recordedResponse(file);
    if (recorded) {
      expect(final.status).toBe(recorded.status);
      // OpenRouter's own Responses endpoint renames its temporary item ids between events and its final object.
      const ids = file.startsWith('openrouter/') ? withoutIds : (items: unknown) => items;
      expect(ids(final.output)).toEqual(ids(withLogprobs(recorded.output)));
      expect(final.usage).toMatchObject(recorded.usage as JsonObject);
    }
  });

  it('answers a non-streaming call from upstream\'s one JSON body, and stores what it answered', async () => {
    env.upstream.reply('/v1/responses', fixtureReply(file));
    const result = await postResponses(env.gateway.url, { model, input: 'replay' });
    expect(result.status).toBe(200);
    expect(env.upstream.received.at(-1)!.json.stream).toBe(false);
    expect(result.json!.id).toMatch(/^resp_[0-9a-f]{48}$/);
    const recorded = recordedResponse(file)!;
    expect(result.json!.status).toBe(recorded.status);
    expect(result.json!.output).toEqual(withLogprobs(recorded.output));
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(result.json!.id)}`);
    expect(stored.json).toEqual(result.json);
  });
});

/** Real non-streaming answers (`stream: false` recordings), with the request that produced each. */
const NATIVE_JSON = [
  { file: 'openai/create-text.json', model: 'gpt-4o' },
  { file: 'openai/create-json-schema.json', model: 'gpt-4o' },
  { file: 'openai/create-reasoning-encrypted.json', model: 'gpt-5-nano' },
  { file: 'xai/code-execution.json', model: 'grok-code-fast-1' },
];

describe.each(NATIVE_JSON)('a non-streaming call answered with $file', ({ file, model }) => {
  it('returns upstream\'s output under the gateway\'s id, with the client\'s state fields, as stored', async () => {
    const recorded = JSON.parse(readFileSync(fixturePath(file), 'utf8')) as JsonObject;
    env.upstream.reply('/v1/responses', fixtureReply(file));
    const result = await postResponses(env.gateway.url, { model, input: 'replay', metadata: { run: 'json' } });
    expect(result.status).toBe(200);
    expect(env.upstream.received.at(-1)!.json.stream).toBe(false);
    const answer = result.json!;
    expect(answer.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(answer.id).not.toBe(recorded.id);
    expect(answer).toMatchObject({ object: 'response', status: 'completed', previous_response_id: null, store: true, background: false });
    expect(answer.output).toEqual(withLogprobs(recorded.output));
    expect(answer.usage).toMatchObject(recorded.usage as JsonObject);
    expect(typeof answer.completed_at).toBe('number');
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(answer.id)}`);
    expect(stored.json).toEqual(answer);
  });
});

describe('an upstream that streams although asked for one body', () => {
  it('is folded into the same answer, stored as answered', async () => {
    const file = 'openai/reasoning-summary-function-call.sse';
    // The recording's stream, whatever the request says (no JSON alternative queued).
    env.upstream.reply('/v1/responses', { body: readFileSync(fixturePath(file)), contentType: 'text/event-stream', chunkSize: 401 });
    const result = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'replay' });
    expect(result.status).toBe(200);
    expect(env.upstream.received.at(-1)!.json.stream).toBe(false);
    const recorded = recordedResponse(file)!;
    expect(result.json!.output).toEqual(withLogprobs(recorded.output));
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(result.json!.id)}`);
    expect(stored.json).toEqual(result.json);
  });
});

describe('a non-streaming upstream answer that is not a Response', () => {
  it('is a 502 that shows what upstream sent', async () => {
    env.upstream.reply('/v1/responses', { body: '{"ok":true}', contentType: 'application/json' });
    const result = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi' });
    expect(result.status).toBe(502);
    expect(result.json!.error).toMatchObject({ type: 'upstream_error', code: 'invalid_upstream_response' });
    expect(String((result.json!.error as JsonObject).message)).toContain('{"ok":true}');
  });

  it('with status failed is the HTTP error its code implies', async () => {
    const recorded = JSON.parse(readFileSync(fixturePath('openai/create-text.json'), 'utf8')) as JsonObject;
    const failed = { ...recorded, status: 'failed', output: [], error: { code: 'rate_limit_exceeded', message: 'Slow down.' } };
    env.upstream.reply('/v1/responses', { body: JSON.stringify(failed), contentType: 'application/json' });
    const result = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi' });
    expect(result.status).toBe(429);
    expect(result.json!.error).toMatchObject({ code: 'rate_limit_exceeded', message: 'Slow down.' });
  });
});

describe('an upstream error event before any output', () => {
  it('becomes an HTTP error with the upstream code, even for a streaming request, and stores nothing', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-event-insufficient-quota.sse'));
    const result = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'hi', stream: true });
    expect(result.status).toBe(429);
    expect(result.json).toEqual({
      error: expect.objectContaining({ code: 'insufficient_quota', message: expect.stringContaining('exceeded your current quota') }),
    });
  });
});

describe('an upstream that closes mid-stream (a truncated real recording)', () => {
  it('ends in error + response.failed, never a clean end, and closes every open item', async () => {
    const bytes = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
    const cut = bytes.slice(0, bytes.indexOf('event: response.output_text.done'));
    env.upstream.reply('/v1/responses', { body: cut, contentType: 'text/event-stream' });
    const result = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(streamViolations(result.events)).toEqual([]);
    const last = result.events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect(result.events.at(-2)!.type).toBe('error');
    const response = last.response as JsonObject;
    expect(response.status).toBe('failed');
    expect((response.output as JsonObject[])[0]!.status).toBe('incomplete');
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(response.id)}`);
    expect(stored.json).toEqual(response);
  });
});

describe("xAI's thin echo (temperature: null, top_p: null, tools without their defaults)", () => {
  it.each([true, false])('carries the request\'s numbers, OpenAI\'s defaults and whole tools (stream: %s)', async (stream) => {
    env.upstream.reply('/v1/responses', fixtureReply('xai/web-search.sse'));
    const result = await postResponses(env.gateway.url, { model: 'grok-code-fast-1', input: 'news?', temperature: 0.3, tools: [{ type: 'web_search' }], stream });
    expect(result.status).toBe(200);
    const snapshots = stream ? result.events.filter((e) => e.response).map((e) => e.response as JsonObject) : [result.json!];
    expect(snapshots.length).toBeGreaterThan(0);
    for (const response of snapshots) {
      expect(response).toMatchObject({ temperature: 0.3, top_p: 1 });
      expect(response.tools).toEqual([{ type: 'web_search', filters: null, search_context_size: 'medium', user_location: null }]);
    }
    // What xAI received is what the client sent: the echo is the gateway's, not the request's.
    expect(env.upstream.received.at(-1)!.json.tools).toEqual([{ type: 'web_search' }]);
  });
});
