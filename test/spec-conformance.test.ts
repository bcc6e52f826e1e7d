// What the gateway emits (events, Response objects, GET/DELETE/list bodies, errors) checked against OpenAI's spec and the Open Responses spec.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply, gate } from './support/mock-upstream.js';
import { validateSchema } from './support/openapi-validator.js';
import { KNOWN_GAPS, SpecAudit, describeGap } from './support/spec-known-gaps.js';
import { openSse, type SseStream } from './support/sse-stream.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

interface Replay {
  file: string;
  model: string;
  /** The upstream endpoint the provider calls. */
  upstreamPath: string;
}

const NATIVE: Replay[] = [
  ...readdirSync(fixturePath('openai'))
    .filter((f) => f.endsWith('.sse') && !f.startsWith('chat-') && !f.includes('error-event') && !f.includes('resume'))
    .map((f) => ({ file: `openai/${f}`, model: 'gpt-4o', upstreamPath: '/v1/responses' })),
  ...readdirSync(fixturePath('xai'))
    .filter((f) => f.endsWith('.sse'))
    .map((f) => ({ file: `xai/${f}`, model: 'grok-code-fast-1', upstreamPath: '/v1/responses' })),
  { file: 'openrouter/responses-reasoning-text.sse', model: 'gpt-4o', upstreamPath: '/v1/responses' },
];

const CHAT: Replay[] = [
  ...readdirSync(fixturePath('openrouter'))
    .filter((f) => f.startsWith('chat-') && (f.endsWith('.sse') || (f.endsWith('.json') && !f.endsWith('.request.json'))))
    .map((f) => `openrouter/${f}`),
  'openai/chat-tool-calls.sse',
].map((file) => ({ file, model: 'openrouter/openai/gpt-4o', upstreamPath: '/v1/chat/completions' }));

const env = useGatewayWithMock();

const INPUT = [
  { role: 'developer', content: 'Be brief.' },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
];

/** The function tool the Open Responses compliance suite sends: no `strict`, as many clients send it. */
const FUNCTION_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a location',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};

/** What the client asks for: a web search where the recording searched, a function tool otherwise. */
const toolsFor = (file: string) => (/web-search|x-search/.test(file) ? [{ type: 'web_search' }] : [FUNCTION_TOOL]);

describe.each([...NATIVE, ...CHAT])('replaying $file', ({ file, model, upstreamPath }) => {
  it('emits events, a final object, a GET body and an input item list that both specs accept', async () => {
    const audit = new SpecAudit(file);
    env.upstream.reply(upstreamPath, fixtureReply(file));
    const streamed = await postResponses(env.gateway.url, { model, input: INPUT, tools: toolsFor(file), stream: true });
    expect(streamed.status).toBe(200);
    streamed.events.forEach((event) => audit.event(event));

    const final = streamed.events.at(-1)!.response as JsonObject;
    audit.response(final);
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}`);
    expect(stored.status).toBe(200);
    audit.response(stored.json);
    const items = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}/input_items`);
    expect(items.status).toBe(200);
    audit.openaiSchema('ResponseItemList', items.json);

    env.upstream.reply(upstreamPath, fixtureReply(file));
    const plain = await postResponses(env.gateway.url, { model, input: 'hello', tools: toolsFor(file) });
    // A run that fails is an HTTP error for a non-streaming client (checked as an ErrorResponse below).
    if (final.status === 'failed') expect(validateSchema('ErrorResponse', plain.json)).toEqual([]);
    else audit.response(plain.json);

    expect(audit.unexpected).toEqual([]);
    expect(audit.stale, 'known gaps that no longer occur here: remove them from KNOWN_GAPS').toEqual([]);
  });
});

describe('a stream that fails after output (a real recording cut short)', () => {
  it('emits an error event and a response.failed that both specs accept', async () => {
    const bytes = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
    env.upstream.reply('/v1/responses', { body: bytes.slice(0, bytes.indexOf('event: response.output_text.done')), contentType: 'text/event-stream' });
    const streamed = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(streamed.events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    const audit = new SpecAudit('synthetic/cut-short');
    streamed.events.forEach((event) => audit.event(event));
    const stored = await getJson(env.gateway.url, `/v1/responses/${String((streamed.events.at(-1)!.response as JsonObject).id)}`);
    audit.response(stored.json);
    expect(audit.unexpected).toEqual([]);
    expect(audit.stale).toEqual([]);
  });
});

/** Runs that no recording replays whole here (background runs, a heartbeat's start): each is its own audit. */
const SYNTHETIC = ['synthetic/cut-short', 'synthetic/background-completed', 'synthetic/background-cancelled', 'synthetic/heartbeat-start', 'synthetic/heartbeat-refused'];

const RECORDING = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
/** The recording up to its first text delta (the message and its part announced), and from it on. */
const HEAD = RECORDING.slice(0, RECORDING.indexOf('event: response.output_text.delta'));
const TAIL = RECORDING.slice(HEAD.length);

const openStream = (url: string, body: JsonObject) => openSse(`${url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify(body) });
const resume = (url: string, id: string, query = '') => openSse(`${url}/v1/responses/${id}?stream=true${query}`, { headers: authHeaders() });
const untilEvent = (stream: SseStream, type: string) => stream.until((item) => item.kind === 'event' && item.data.type === type);
const eventsOf = (stream: SseStream) => stream.items.flatMap((item) => (item.kind === 'event' ? [item.data] : []));

describe('background runs', () => {
  it('emit a queued answer, streams, a live GET and a final GET that both specs accept', async () => {
    const audit = new SpecAudit('synthetic/background-completed');

    // background: true, stream: false: the queued answer, then the run followed to its end from its log.
    env.upstream.reply('/v1/responses', { body: '', script: [RECORDING] });
    const queued = await postResponses(env.gateway.url, { model: 'gpt-4o', input: INPUT, background: true });
    expect(queued.json).toMatchObject({ status: 'queued', background: true, output: [] });
    audit.response(queued.json);
    const followed = await (await resume(env.gateway.url, String(queued.json!.id))).rest();
    expect(followed.at(-1)!.type).toBe('response.completed');
    followed.forEach((event) => audit.event(event));

    // background: true, stream: true, with a GET while its output is under way.
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const stream = await openStream(env.gateway.url, { model: 'gpt-4o', input: INPUT, tools: [FUNCTION_TOOL], background: true, stream: true });
    await untilEvent(stream, 'response.content_part.added');
    const id = String((eventsOf(stream)[0]!.response as JsonObject).id);
    const live = await getJson(env.gateway.url, `/v1/responses/${id}`);
    expect(live.json).toMatchObject({ status: 'in_progress', output: [{ type: 'message', status: 'in_progress' }] });
    audit.response(live.json);
    thinking.open();
    const events = await stream.rest();
    expect(events.slice(0, 3).map((e) => [e.type, (e.response as JsonObject).status])).toEqual([
      ['response.created', 'queued'],
      ['response.queued', 'queued'],
      ['response.in_progress', 'in_progress'],
    ]);
    expect(events.at(-1)!.type).toBe('response.completed');
    events.forEach((event) => audit.event(event));
    audit.response((await getJson(env.gateway.url, `/v1/responses/${id}`)).json);
    // A finished run's stored log, resumed after its first event.
    const replayed = await (await resume(env.gateway.url, id, '&starting_after=0')).rest();
    expect(replayed).toEqual(events.slice(1));

    expect(audit.unexpected).toEqual([]);
    expect(audit.stale).toEqual([]);
  });

  it('emit a cancelled run (its cancel answer, its events, its GET) as both specs accept, but for response.cancelled', async () => {
    const audit = new SpecAudit('synthetic/background-cancelled');
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const stream = await openStream(env.gateway.url, { model: 'gpt-4o', input: INPUT, background: true, stream: true });
    await untilEvent(stream, 'response.content_part.added');
    const id = String((eventsOf(stream)[0]!.response as JsonObject).id);

    const cancelled = await getJson(env.gateway.url, `/v1/responses/${id}/cancel`, undefined, 'POST');
    expect(cancelled).toMatchObject({ status: 200, json: { id, status: 'cancelled' } });
    audit.response(cancelled.json);
    const events = await stream.rest();
    expect(events.at(-1)).toMatchObject({ type: 'response.cancelled', response: { status: 'cancelled' } });
    events.forEach((event) => audit.event(event));
    const stored = await getJson(env.gateway.url, `/v1/responses/${id}`);
    expect(stored.json).toEqual(cancelled.json);
    audit.response(stored.json);
    expect(await (await resume(env.gateway.url, id)).rest()).toEqual(events);

    expect(audit.unexpected).toEqual([]);
    expect(audit.stale).toEqual([]);
  });
});

describe('a stream that starts on its first heartbeat (server.heartbeat_s: 0.1)', () => {
  const beating = useGatewayWithMock({ server: { host: '127.0.0.1', port: 0, heartbeat_s: 0.1 } });

  it('emits created and in_progress before upstream speaks, then the rest, as both specs accept', async () => {
    const audit = new SpecAudit('synthetic/heartbeat-start');
    const silence = gate();
    beating.upstream.reply('/v1/responses', { body: '', script: [silence.promise, RECORDING] });
    const stream = await openStream(beating.gateway.url, { model: 'gpt-4o', input: INPUT, tools: [FUNCTION_TOOL], stream: true });
    await stream.until((item) => item.kind === 'comment');
    expect(eventsOf(stream).map((e) => e.type)).toEqual(['response.created', 'response.in_progress']);
    silence.open();
    const events = await stream.rest();
    expect(events.at(-1)!.type).toBe('response.completed');
    events.forEach((event) => audit.event(event));
    audit.response((await getJson(beating.gateway.url, `/v1/responses/${String((events.at(-1)!.response as JsonObject).id)}`)).json);
    expect(audit.unexpected).toEqual([]);
    expect(audit.stale).toEqual([]);
  });

  it('turns an upstream refusal after that start into error + response.failed, as both specs accept', async () => {
    const audit = new SpecAudit('synthetic/heartbeat-refused');
    const silence = gate();
    const refusal = JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o.', type: 'requests', code: 'rate_limit_exceeded', param: null } });
    beating.upstream.reply('/v1/responses', { body: '', status: 429, contentType: 'application/json', script: [silence.promise, refusal] });
    const stream = await openStream(beating.gateway.url, { model: 'gpt-4o', input: INPUT, stream: true });
    await stream.until((item) => item.kind === 'comment');
    silence.open();
    const events = await stream.rest();
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    events.forEach((event) => audit.event(event));
    audit.response((await getJson(beating.gateway.url, `/v1/responses/${String((events.at(-1)!.response as JsonObject).id)}`)).json);
    expect(audit.unexpected).toEqual([]);
    expect(audit.stale).toEqual([]);
  });
});

describe('input item lists of richer turns', () => {
  it('lists tool calls and outputs, replayed reasoning and assistant messages as spec ItemResources', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    const turn1 = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'What is 12 + 7?' });
    const [reasoning, call] = turn1.json!.output as JsonObject[];

    env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-loop-final-text.sse'));
    const output = { type: 'function_call_output', call_id: call!.call_id, output: '19' };
    const chained = await postResponses(env.gateway.url, { model: 'gpt-5-nano', previous_response_id: turn1.json!.id, input: [output] });
    expect(chained.status).toBe(200);

    // A stateless client replays everything itself (the AI SDK with store:false), here into a stored response.
    env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-loop-final-text.sse'));
    const replayed = await postResponses(env.gateway.url, {
      model: 'gpt-5-nano',
      input: [
        { role: 'user', content: 'What is 12 + 7?' },
        reasoning,
        call,
        output,
        { type: 'item_reference', id: reasoning!.id },
        // As clients send them: no ids, no status.
        { role: 'assistant', content: 'An earlier answer.' },
        { type: 'function_call', call_id: 'call_client', name: 'calculator', arguments: '{"a":1,"b":2,"op":"add"}' },
        { type: 'function_call_output', call_id: 'call_client', output: [{ type: 'input_text', text: '3' }] },
        { type: 'custom_tool_call', call_id: 'call_custom', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'custom_tool_call_output', call_id: 'call_custom', output: 'done' },
      ],
    });
    expect(replayed.status).toBe(200);

    const problems: string[] = [];
    for (const id of [turn1.json!.id, chained.json!.id, replayed.json!.id]) {
      const list = await getJson(env.gateway.url, `/v1/responses/${String(id)}/input_items?order=asc`);
      expect(list.status).toBe(200);
      problems.push(...validateSchema('ResponseItemList', list.json).map((error) => `${String(id)} ${error}`));
    }
    expect(problems).toEqual([]);
  });
});

describe('other bodies', () => {
  it('DELETE answers the documented {id, object: "response", deleted: true} (the spec gives no schema)', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi' });
    const deleted = await getJson(env.gateway.url, `/v1/responses/${String(created.json!.id)}`, undefined, 'DELETE');
    expect(deleted).toEqual({ status: 200, json: { id: created.json!.id, object: 'response', deleted: true } });
  });

  it('GET /v1/models is a ListModelsResponse', async () => {
    const models = await getJson(env.gateway.url, '/v1/models');
    expect(validateSchema('ListModelsResponse', models.json)).toEqual([]);
  });

  it('every kind of error body is an ErrorResponse', async () => {
    const bodies: JsonObject[] = [];
    const post = async (body: unknown, headers: Record<string, string> = authHeaders()) => {
      const res = await fetch(`${env.gateway.url}/v1/responses`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      bodies.push((await res.json()) as JsonObject);
    };
    await post('{not json');
    await post({ model: 'gpt-4o', input: 5 });
    await post({ input: 'hi' });
    await post({ model: 'gpt-4o', input: 'hi' }, { 'content-type': 'application/json' });
    await post({ model: 'no-such-model', input: 'hi' });
    await post({ model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_unknown' });
    await post({ model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_unknown', conversation: 'conv_x' });
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-400-invalid-temperature.json', { status: 400 }));
    await post({ model: 'gpt-4o', input: 'hi', stream: true });
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-insufficient-quota.json', { status: 429 }));
    await post({ model: 'gpt-4o', input: 'hi' });
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-event-insufficient-quota.sse'));
    await post({ model: 'gpt-4o', input: 'hi', stream: true });
    for (const path of ['/v1/responses/resp_unknown', '/v1/responses/resp_unknown/input_items', '/v1/responses/x/input_items?limit=0', '/v1/nowhere']) {
      bodies.push((await getJson(env.gateway.url, path)).json);
    }
    bodies.push((await getJson(env.gateway.url, '/v1/responses/resp_unknown', undefined, 'DELETE')).json);

    expect(bodies).toHaveLength(15);
    expect(bodies.flatMap((body, i) => validateSchema('ErrorResponse', body).map((error) => `#${i} ${error}`))).toEqual([]);
  });
});

describe('the known gaps', () => {
  it('each names fixtures that are replayed here (where each replay checks that it still occurs)', () => {
    const files = [...NATIVE, ...CHAT].map((replay) => replay.file).concat(SYNTHETIC);
    expect(KNOWN_GAPS.filter((gap) => !files.some((file) => gap.files.test(file))).map(describeGap)).toEqual([]);
  });

  it('a gap that does not occur in a replay is reported as stale', () => {
    const audit = new SpecAudit('openai/text-with-conversation.sse');
    expect(audit.stale).toEqual(KNOWN_GAPS.filter((gap) => gap.files.test('openai/text-with-conversation.sse')).map(describeGap));
    expect(audit.stale.length).toBeGreaterThan(0);
  });
});
