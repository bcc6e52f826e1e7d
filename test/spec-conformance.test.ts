// What the gateway emits (events, Response objects, GET/DELETE/list bodies, errors) checked against OpenAI's OpenAPI spec.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply } from './support/mock-upstream.js';
import { validateResponseObject, validateSchema, validateStreamEvent } from './support/openapi-validator.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

/**
 * Where the gateway's output still differs from the spec, each for a stated reason. `where` is the event type
 * (or `object` for a Response body: non-streaming JSON and GET), `error` the validator's message with array
 * indices written as N. Every entry must still occur (see the last test), so a fixed gap is removed from here.
 */
const KNOWN_GAPS: { files: RegExp; where: RegExp; error: string; why: string }[] = [
  {
    files: /web-search-annotation|web-search-reasoning|xai\/web-search/,
    where: /^response\.output_item\.added$/,
    error: "/item: must have required property 'action'",
    why: 'upstream announces web_search_call items without `action` (filled in only at output_item.done, or never by xAI)',
  },
  ...['/item', '/response/output/N', '/output/N'].map((path, i) => ({
    files: /xai\/web-search/,
    where: [/^response\.output_item\.done$/, /^response\.completed$/, /^object$/][i]!,
    error: `${path}: must have required property 'action'`,
    why: "xAI's web_search_call items never carry `action`",
  })),
  ...['/item/action/sources/N', '/response/output/N/action/sources/N', '/output/N/action/sources/N'].flatMap((path, i) =>
    [`${path}: must have required property 'url'`, `${path}/type: must be equal to one of the allowed values ["url"]`].map((error) => ({
      files: /web-search-reasoning/,
      where: [/^response\.output_item\.done$/, /^response\.completed$/, /^object$/][i]!,
      error,
      why: 'OpenAI sends web search sources `{type:"api", name}`, newer than this spec snapshot (passed through as recorded)',
    })),
  ),
  ...[
    ['/annotation', /^response\.output_text\.annotation\.added$/],
    ['/part/annotations/N', /^response\.content_part\.done$/],
    ['/item/content/N/annotations/N', /^response\.output_item\.done$/],
    ['/response/output/N/content/N/annotations/N', /^response\.completed$/],
    ['/output/N/content/N/annotations/N', /^object$/],
  ].flatMap(([path, where]) =>
    ['start_index', 'end_index', 'title'].map((field) => ({
      files: /xai\/(web-search|x-search)/,
      where: where as RegExp,
      error: `${path as string}: must have required property '${field}'`,
      why: "xAI's url_citation annotations carry only {type, url}",
    })),
  ),
  ...['/annotation: must be null', '/annotation: must match a schema in anyOf'].map((error) => ({
    files: /xai\/(web-search|x-search)/,
    where: /^response\.output_text\.annotation\.added$/,
    error,
    why: "the same xAI annotation, as reported through the event's nullable union",
  })),
  ...[/^response\.(created|in_progress|completed)$/, /^object$/].map((where, i) => ({
    files: /xai\/x-search/,
    where,
    error: `${i === 0 ? '/response' : ''}/tools/N/type: must be equal to one of the allowed values`,
    why: "xAI echoes its own `x_search` tool type, which OpenAI's spec does not know (passed through)",
  })),
];

const NATIVE = [
  ...readdirSync(fixturePath('openai'))
    .filter((f) => f.endsWith('.sse') && !f.startsWith('chat-') && !f.includes('error-event') && !f.includes('resume'))
    .map((f) => ({ file: `openai/${f}`, model: 'gpt-4o' })),
  ...readdirSync(fixturePath('xai'))
    .filter((f) => f.endsWith('.sse'))
    .map((f) => ({ file: `xai/${f}`, model: 'grok-code-fast-1' })),
  { file: 'openrouter/responses-reasoning-text.sse', model: 'gpt-4o' },
];

const matched = new Set<number>();
/** Recordings replayed to the end (the stale-gap check below replays the others itself). */
const replayed = new Set<string>();

/** The validator's errors for one value, minus the known gaps of this fixture. */
function unexpected(file: string, where: string, errors: string[]): string[] {
  return errors
    .map((error) => error.replace(/\/\d+(?=\/|:)/g, '/N'))
    .filter((error) => {
      const gap = KNOWN_GAPS.findIndex((g) => g.files.test(file) && g.where.test(where) && error.startsWith(g.error));
      if (gap >= 0) matched.add(gap);
      return gap < 0;
    })
    .map((error) => `${where} ${error}`);
}

const env = useGatewayWithMock();

const INPUT = [
  { role: 'developer', content: 'Be brief.' },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
];

/** Replays one recording streamed and not, and returns what the spec rejects beyond the known gaps. */
async function replay(file: string, model: string): Promise<string[]> {
  env.upstream.reply('/v1/responses', fixtureReply(file));
  const streamed = await postResponses(env.gateway.url, { model, input: INPUT, stream: true });
  expect(streamed.status).toBe(200);
  const problems = streamed.events.flatMap((event) => unexpected(file, event.type, validateStreamEvent(event)));

  const final = streamed.events.at(-1)!.response as JsonObject;
  problems.push(...unexpected(file, 'object', validateResponseObject(final)));
  const stored = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}`);
  expect(stored.status).toBe(200);
  problems.push(...unexpected(file, 'object', validateResponseObject(stored.json)));
  const items = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}/input_items`);
  expect(items.status).toBe(200);
  problems.push(...unexpected(file, 'list', validateSchema('ResponseItemList', items.json)));

  env.upstream.reply('/v1/responses', fixtureReply(file));
  const plain = await postResponses(env.gateway.url, { model, input: 'hello' });
  expect(plain.status).toBe(200);
  problems.push(...unexpected(file, 'object', validateResponseObject(plain.json)));

  replayed.add(file);
  return [...new Set(problems)];
}

describe.each(NATIVE)('replaying $file', ({ file, model }) => {
  it('emits events, a final object, a GET body and an input item list that the spec accepts', async () => {
    expect(await replay(file, model)).toEqual([]);
  });
});

describe('a stream that fails after output (a real recording cut short)', () => {
  it('emits an error event and a response.failed that the spec accepts', async () => {
    const bytes = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
    env.upstream.reply('/v1/responses', { body: bytes.slice(0, bytes.indexOf('event: response.output_text.done')), contentType: 'text/event-stream' });
    const streamed = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', stream: true });
    expect(streamed.events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    const file = 'synthetic/cut-short';
    const problems = streamed.events.flatMap((event) => unexpected(file, event.type, validateStreamEvent(event)));
    const stored = await getJson(env.gateway.url, `/v1/responses/${String((streamed.events.at(-1)!.response as JsonObject).id)}`);
    problems.push(...unexpected(file, 'object', validateResponseObject(stored.json)));
    expect(problems).toEqual([]);
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
  it('each still occurs (remove an entry from KNOWN_GAPS once the gateway conforms there)', async () => {
    // Under a name filter (-t), or after a replay failed, some recordings have not been replayed: replay them here.
    for (const { file, model } of NATIVE) if (!replayed.has(file)) await replay(file, model);
    const stale = KNOWN_GAPS.filter((_, i) => !matched.has(i)).map((g) => `${g.files} ${g.where} ${g.error}`);
    expect(stale).toEqual([]);
  });
});
