// Heartbeats: a stream whose upstream is silent starts anyway and beats, and a failure after that is an event, not an HTTP error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, gate } from './support/mock-upstream.js';
import { openSse, type SseItem } from './support/sse-stream.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const eventTypes = (items: SseItem[]) => items.flatMap((item) => (item.kind === 'event' ? [item.data.type] : []));
const post = (url: string, body: object) => openSse(`${url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify(body) });

describe('with server.heartbeat_s: 0.1', () => {
  const env = useGatewayWithMock({ server: { host: '127.0.0.1', port: 0, heartbeat_s: 0.1 } });

  it('starts a stream whose upstream is silent (created, in_progress, then heartbeats) and completes it when upstream speaks', async () => {
    const silence = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [silence.promise, FIXTURE] });
    const stream = await post(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(stream.status).toBe(200);
    await stream.until((item) => item.kind === 'comment');
    expect(eventTypes(stream.items)).toEqual(['response.created', 'response.in_progress']);
    await stream.until((item) => item.kind === 'comment'); // it keeps beating while upstream thinks
    silence.open();
    const events = await stream.rest();
    expect(events.map((e) => e.type).filter((t) => t === 'response.created' || t === 'response.in_progress')).toEqual(['response.created', 'response.in_progress']);
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('beats during silence after the first output too', async () => {
    const silence = gate();
    const cut = FIXTURE.indexOf('event: response.output_text.delta');
    env.upstream.reply('/v1/responses', { body: '', script: [FIXTURE.slice(0, cut), silence.promise, FIXTURE.slice(cut)] });
    const stream = await post(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    await stream.until((item) => item.kind === 'comment');
    expect(eventTypes(stream.items)).toContain('response.content_part.added');
    silence.open();
    expect((await stream.rest()).at(-1)!.type).toBe('response.completed');
  });

  it('turns an upstream refusal that comes after the stream started into error + response.failed', async () => {
    const silence = gate();
    const refusal = JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o.', type: 'requests', code: 'rate_limit_exceeded', param: null } });
    env.upstream.reply('/v1/responses', { body: '', status: 429, contentType: 'application/json', script: [silence.promise, refusal] });
    const stream = await post(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    await stream.until((item) => item.kind === 'comment');
    silence.open();
    const events = await stream.rest();
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    expect(events[2]).toMatchObject({ code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o.' });
    expect(events[3]!.response).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded' } });
  });
});

describe('with server.heartbeat_s: 0', () => {
  const env = useGatewayWithMock({ server: { host: '127.0.0.1', port: 0, heartbeat_s: 0 } });

  it('holds the stream until the first output, however long, so an upstream refusal is still the HTTP error', async () => {
    const silence = gate();
    const refusal = JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o.', type: 'requests', code: 'rate_limit_exceeded', param: null } });
    env.upstream.reply('/v1/responses', { body: '', status: 429, contentType: 'application/json', headers: { 'retry-after': '7' }, script: [silence.promise, refusal] });
    const answer = post(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    // Upstream has the request, and says nothing until the gate opens.
    while (env.upstream.activeRequests() === 0) await new Promise((resolve) => setImmediate(resolve));
    silence.open();
    const stream = await answer;
    expect(stream.status).toBe(429);
    expect(stream.json).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });
});
