// Edges of runs: a resume that names a point the run has not reached, DELETE of a foreground stream, non-streaming calls at shutdown.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, gate, startMockUpstream } from './support/mock-upstream.js';
import { openSse } from './support/sse-stream.js';
import { authHeaders, startTestGateway, useGatewayWithMock } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const HEAD = FIXTURE.slice(0, FIXTURE.indexOf('event: response.output_text.delta'));
const TAIL = FIXTURE.slice(HEAD.length);
const post = (url: string, body: object) => openSse(`${url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify(body) });

describe('a running gateway', () => {
  const env = useGatewayWithMock();

  it('sends a live subscriber only the events after its starting_after, even one the run has not reached yet', async () => {
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const created = (await post(env.gateway.url, { model: 'gpt-4o', input: 'hi', background: true })).json!;
    const everything = await openSse(`${env.gateway.url}/v1/responses/${String(created.id)}?stream=true`, { headers: authHeaders() });
    await everything.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
    const ahead = await openSse(`${env.gateway.url}/v1/responses/${String(created.id)}?stream=true&starting_after=6`, { headers: authHeaders() });
    thinking.open();
    const all = await everything.rest();
    const tail = await ahead.rest();
    expect(tail.map((e) => e.sequence_number)).toEqual(all.filter((e) => (e.sequence_number as number) > 6).map((e) => e.sequence_number));
    expect(tail.at(-1)!.type).toBe('response.completed');
  });

  it('answers DELETE of a foreground stream still running 404 (not stored yet) and lets the stream end as it would', async () => {
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const stream = await post(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    const first = await stream.until((item) => item.kind === 'event' && item.data.type === 'response.created');
    const id = first.kind === 'event' ? String((first.data.response as { id: string }).id) : '';
    const deleted = await fetch(`${env.gateway.url}/v1/responses/${id}`, { method: 'DELETE', headers: authHeaders() });
    expect(deleted.status).toBe(404);
    thinking.open();
    expect((await stream.rest()).at(-1)!.type).toBe('response.completed');
  });
});

describe('a non-streaming request at shutdown', () => {
  it('is waited for through the grace period, then answered 503 server_shutting_down (its upstream call aborted)', async () => {
    const upstream = await startMockUpstream();
    const gateway = await startTestGateway(upstream.url, { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 0.3 } });
    upstream.reply('/v1/responses', { body: '', script: [gate().promise] });
    const answer = fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
    while (upstream.activeRequests() === 0) await new Promise((resolve) => setImmediate(resolve));
    const closed = gateway.close();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'server_shutting_down' } });
    await closed;
    await upstream.idle();
    await upstream.close();
  });

  it('that ends within the grace period is answered as usual', async () => {
    const upstream = await startMockUpstream();
    const gateway = await startTestGateway(upstream.url, { server: { host: '127.0.0.1', port: 0, shutdown_grace_s: 30 } });
    const thinking = gate();
    upstream.reply('/v1/responses', { body: '', contentType: 'application/json', script: [thinking.promise, JSON.stringify(JSON.parse(readFileSync(fixturePath('openai/create-text.json'), 'utf8')))] });
    const answer = fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
    while (upstream.activeRequests() === 0) await new Promise((resolve) => setImmediate(resolve));
    const closed = gateway.close();
    thinking.open();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: 'response', status: 'completed' });
    await closed;
    await upstream.close();
  });
});
