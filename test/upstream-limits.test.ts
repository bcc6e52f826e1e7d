// limits.max_upstream_event_mb and limits.max_response_mb: past them the run ends failed with a clear error and the gateway stops reading.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

const KB = 1024;
let upstream: MockUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  // 64 KB per event, 256 KB per answer: small enough to pass in a test, the same code path as the defaults.
  gateway = await startTestGateway(upstream.url, { limits: { max_upstream_event_mb: 64 / 1024, max_response_mb: 256 / 1024 } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The recorded stream up to and including its first text delta, and the delta event as a template. */
const recorded = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8').split('\n\n');
const firstDelta = recorded.findIndex((b) => b.includes('response.output_text.delta'));
const prefix = recorded.slice(0, firstDelta + 1).join('\n\n') + '\n\n';
const deltaEvent = JSON.parse(recorded[firstDelta]!.split('\ndata: ')[1]!) as JsonObject;
const delta = (text: string, seq: number) => `event: response.output_text.delta\ndata: ${JSON.stringify({ ...deltaEvent, delta: text, sequence_number: seq })}\n\n`;

function expectFailed(events: JsonObject[], code: string, setting: string) {
  const terminal = events.at(-1)!;
  expect(terminal.type).toBe('response.failed');
  const error = (terminal.response as { error: { code: string; message: string } }).error;
  expect(error.code).toBe(code);
  expect(error.message).toContain(setting);
  return String((terminal.response as JsonObject).id);
}

describe('limits.max_upstream_event_mb', () => {
  it('one event larger than the limit ends a stream failed, stored as failed, and the rest is not read', async () => {
    // A 4 MB event (sixty times the limit), sent in 16 KB pieces: the gateway hangs up long before its end.
    const huge = delta('x'.repeat(4 * 1024 * KB), 99);
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: prefix + huge, chunkSize: 16 * KB });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    expect(res.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    const id = expectFailed(res.events, 'upstream_event_too_large', 'limits.max_upstream_event_mb');
    const stored = await getJson(gateway.url, `/v1/responses/${id}`);
    expect(stored.json.status).toBe('failed');
    await expect.poll(() => upstream.received.at(-1)!.replySent).toBe(false);
  });

  it('before any output it is a 502 in OpenAI\'s shape', async () => {
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body: `data: {"type":"response.created","pad":"${'x'.repeat(200 * KB)}"}\n\n`, chunkSize: 16 * KB });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.status).toBe(502);
    expect(res.json).toEqual({ error: { message: expect.stringContaining('limits.max_upstream_event_mb'), type: 'upstream_error', param: null, code: 'upstream_event_too_large' } });
  });

  it('many events each under it pass', async () => {
    const body = prefix + Array.from({ length: 20 }, (_, i) => delta('y'.repeat(8 * KB), 10 + i)).join('') + recorded.slice(firstDelta + 1).join('\n\n');
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body, chunkSize: 16 * KB });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.events.at(-1)!.type).toBe('response.completed');
  });
});

describe('limits.max_response_mb', () => {
  it('a stream whose events add up past it ends failed', async () => {
    const body = prefix + Array.from({ length: 64 }, (_, i) => delta('z'.repeat(8 * KB), 10 + i)).join('');
    upstream.reply('/v1/responses', { contentType: 'text/event-stream', body, chunkSize: 16 * KB });
    const res = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expectFailed(res.events, 'upstream_response_too_large', 'limits.max_response_mb');
  });

  it.each([false, true])('a non-streaming answer past it is a 502 (Chat Completions provider: %s)', async (chat) => {
    const answer = JSON.stringify({ id: 'resp_big', object: 'response', output: [], pad: 'p'.repeat(400 * KB) });
    upstream.reply(chat ? '/v1/chat/completions' : '/v1/responses', { body: answer, chunkSize: 16 * KB });
    const res = await postResponses(gateway.url, { model: chat ? 'openrouter/some-model' : 'gpt-4o', input: 'hi', stream: false });
    expect(res.status).toBe(502);
    expect(res.json).toEqual({ error: { message: expect.stringContaining('limits.max_response_mb'), type: 'upstream_error', param: null, code: 'upstream_response_too_large' } });
  });
});
