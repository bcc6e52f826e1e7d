// What the store keeps of each upstream exchange: the raw body that came back, the warnings, and the request without its history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply } from './support/mock-upstream.js';
import { readSseFixture } from './support/read-sse-fixture.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

function exchangeOf(responseId: string) {
  const db = new SQLite(join(env.gateway.dir, 'junction.db'), { readonly: true });
  try {
    return db.prepare('SELECT url, status, request_body, response_body, warnings_json FROM upstream_exchanges WHERE response_id = ?').get(responseId) as
      | { url: string; status: number; request_body: string; response_body: string; warnings_json: string }
      | undefined;
  } finally {
    db.close();
  }
}

describe('the stored upstream exchange', () => {
  it('keeps the raw upstream stream byte for byte and the exact request that was sent', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse', { chunkSize: 333 }));
    const res = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'hi', reasoning: { effort: 'low', summary: 'auto' }, stream: true });
    const exchange = exchangeOf(String((res.events.at(-1)!.response as JsonObject).id))!;
    expect(exchange.url).toBe(`${env.upstream.url}/responses`);
    expect(exchange.status).toBe(200);
    expect(exchange.response_body).toBe(readFileSync(fixturePath('openai/reasoning-summary-function-call.sse'), 'utf8'));
    expect(exchange.request_body).toBe(env.upstream.received.at(-1)!.body);
  });

  it('keeps a non-streaming call\'s JSON body byte for byte', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/create-reasoning-encrypted.json', { chunkSize: 500 }));
    const res = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'hi' });
    const exchange = exchangeOf(String(res.json!.id))!;
    expect(exchange.response_body).toBe(readFileSync(fixturePath('openai/create-reasoning-encrypted.json'), 'utf8'));
    expect(JSON.parse(exchange.request_body)).toMatchObject({ stream: false, include: ['reasoning.encrypted_content'] });
    expect(exchange.request_body).toBe(env.upstream.received.at(-1)!.body);
  });

  it('keeps a stream cut inside multi-byte characters byte for byte, and streams those characters whole', async () => {
    // xAI's recording holds non-ASCII text (curly quotes, dashes); 7-byte pieces cut through them.
    const fixture = 'xai/x-search-custom-tool-calls.sse';
    env.upstream.reply('/v1/responses', fixtureReply(fixture, { chunkSize: 7 }));
    const res = await postResponses(env.gateway.url, { model: 'grok-code-fast-1', input: 'hi', stream: true });
    const final = res.events.at(-1)!.response as JsonObject;
    expect(exchangeOf(String(final.id))!.response_body).toBe(readFileSync(fixturePath(fixture), 'utf8'));

    const recorded = readSseFixture(fixture).map((e) => JSON.parse(e.data) as JsonObject);
    const deltas = (events: JsonObject[]) => events.filter((e) => String(e.type).endsWith('.delta')).map((e) => e.delta);
    expect(deltas(res.events)).toEqual(deltas(recorded));
    expect(JSON.stringify(res.events)).not.toContain('\uFFFD');
  });

  it('keeps the first 4 MB of a longer stream (hand-written upstream shape), and says how much it left out', async () => {
    // The recorded stream with its text delta repeated until the body passes 5 MB: the client gets all of it.
    const recorded = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8').split('\n\n');
    const at = recorded.findIndex((b) => b.includes('response.output_text.delta'));
    const delta = recorded[at]!;
    const copies = Math.ceil((5 * 1024 * 1024) / (delta.length + 2));
    const body = [...recorded.slice(0, at), ...Array<string>(copies).fill(delta), ...recorded.slice(at + 1)].join('\n\n');
    env.upstream.reply('/v1/responses', { contentType: 'text/event-stream', body, chunkSize: 64 * 1024 });
    const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(res.events.at(-1)!.type).toBe('response.completed');
    const isDelta = (block: string) => block.startsWith('event: response.output_text.delta');
    expect(res.events.filter((e) => e.type === 'response.output_text.delta').length).toBe(body.split('\n\n').filter(isDelta).length);

    const stored = exchangeOf(String((res.events.at(-1)!.response as JsonObject).id))!.response_body;
    const kept = 4 * 1024 * 1024;
    const bytes = Buffer.byteLength(body);
    expect(stored.slice(0, kept)).toBe(body.slice(0, kept)); // ASCII: characters are bytes
    expect(stored.slice(kept)).toBe(`\n\n: junction: the stored exchange keeps the first ${kept} of the ${bytes} bytes upstream sent\n\n`);
  });

  it('keeps the warnings of what could not be carried', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('xai/reasoning-summary-text.sse'));
    const res = await postResponses(env.gateway.url, { model: 'grok-code-fast-1', input: 'hi', reasoning: { summary: 'auto' } });
    const warnings = JSON.parse(exchangeOf(String(res.json!.id))!.warnings_json) as JsonObject[];
    expect(warnings).toEqual([expect.objectContaining({ param: 'reasoning.summary' })]);
  });

  it('stores a chained turn without the history it resolved, so storage grows with new items only', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'), fixtureReply('openai/text-with-conversation.sse'));
    const first = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'turn one' });
    const second = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'turn two', previous_response_id: first.json!.id });

    const sent = env.upstream.received.at(-1)!.json;
    expect((sent.input as JsonObject[]).length).toBe(3); // turn one's input and output, then turn two
    const stored = JSON.parse(exchangeOf(String(second.json!.id))!.request_body) as JsonObject;
    expect(stored.input).toEqual([{ type: 'message', role: 'user', content: 'turn two' }]);
    expect(stored.junction_history_items).toBe(2);
    expect({ ...stored, input: undefined, junction_history_items: undefined }).toEqual({ ...sent, input: undefined });
  });
});
