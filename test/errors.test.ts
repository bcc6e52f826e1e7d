// Refusals and pass-through: bad bodies name their field, upstream errors keep their status, routing and limits hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { startGateway, type RunningGateway } from '../src/server/start-gateway.js';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixtureReply, startMockUpstream } from './support/mock-upstream.js';
import { authHeaders, startTestGateway, type TestGateway, useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

const errorOf = (json: JsonObject | undefined) => (json as { error: JsonObject }).error;
const lastSent = () => env.upstream.received.at(-1)!.json;

async function post(body: string, headers: Record<string, string> = authHeaders()) {
  const res = await fetch(`${env.gateway.url}/v1/responses`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as JsonObject };
}

/** Asserts OpenAI's error shape and returns the error. */
function expectOpenAIError(json: JsonObject) {
  expect(Object.keys(json)).toEqual(['error']);
  const error = errorOf(json);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message === 'string' && error.message.length > 0).toBe(true);
  expect(typeof error.type).toBe('string');
  for (const field of ['param', 'code'] as const) expect(error[field] === null || typeof error[field] === 'string').toBe(true);
  return error;
}

describe('invalid bodies', () => {
  it.each([
    { name: 'temperature is a string', body: { model: 'gpt-4o', input: 'hi', temperature: 'x' }, param: 'temperature' },
    { name: 'temperature out of range', body: { model: 'gpt-4o', input: 'hi', temperature: 3 }, param: 'temperature' },
    { name: 'input is a number', body: { model: 'gpt-4o', input: 5 }, param: 'input' },
    { name: 'model is missing', body: { input: 'hi' }, param: 'model' },
    { name: 'model is not a string', body: { model: 42, input: 'hi' }, param: 'model' },
    { name: 'max_output_tokens below 16', body: { model: 'gpt-4o', input: 'hi', max_output_tokens: 3 }, param: 'max_output_tokens' },
    { name: 'stream is not a boolean', body: { model: 'gpt-4o', input: 'hi', stream: 'yes' }, param: 'stream' },
    { name: 'metadata values are not strings', body: { model: 'gpt-4o', input: 'hi', metadata: { a: 1 } }, param: 'metadata.a' },
    { name: 'an input item without type or role', body: { model: 'gpt-4o', input: [{ content: 'hi' }] }, param: 'input[0]' },
  ])('$name: 400 invalid_request_error naming $param, nothing sent upstream', async ({ body, param }) => {
    const before = env.upstream.received.length;
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const error = expectOpenAIError(res.json);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toContain(param.split(/[.[]/)[0]);
    expect(env.upstream.received.length).toBe(before);
  });

  it('a missing model says it is a missing required parameter', async () => {
    const res = await post(JSON.stringify({ input: 'hi' }));
    expect(errorOf(res.json)).toMatchObject({ code: 'missing_required_parameter', message: "Missing required parameter: 'model'." });
  });

  it.each([
    { name: 'not JSON', body: '{"model": "gpt-4o",' },
    { name: 'a JSON array', body: '[{"model": "gpt-4o"}]' },
    { name: 'a JSON string', body: '"hello"' },
  ])('a body that is $name is a 400 in the same shape', async ({ body }) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.json).type).toBe('invalid_request_error');
  });
});

describe('upstream errors are passed on', () => {
  it.each([false, true])('an upstream 400 keeps status, message, param and code (stream: %s)', async (stream) => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-400-invalid-temperature.json', { status: 400 }));
    const res = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi', temperature: 0, stream }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual({
      error: {
        message: "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'decimal_below_min_value',
      },
    });
  });

  it('an upstream 429 keeps its Retry-After header and its code, and nothing is stored', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/error-insufficient-quota.json', { status: 429, headers: { 'retry-after': '7' } }));
    const res = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(errorOf(res.json)).toMatchObject({ code: 'insufficient_quota', message: expect.stringContaining('exceeded your current quota') });
  });

  it('synthetic: an upstream 503 with a plain-text body keeps its status and says what came back', async () => {
    env.upstream.reply('/v1/responses', { status: 503, contentType: 'text/plain', body: 'upstream overloaded' });
    const res = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi' }));
    expect(res.status).toBe(503);
    expect(expectOpenAIError(res.json).message).toContain('upstream overloaded');
  });
});

describe('routing', () => {
  it('an unknown model is a 404 model_not_found naming the model', async () => {
    for (const model of ['no-such-model', 'nosuchprovider/gpt-4.1', 'openai/']) {
      const res = await post(JSON.stringify({ model, input: 'hi' }));
      expect(res.status).toBe(404);
      expect(expectOpenAIError(res.json)).toMatchObject({ code: 'model_not_found', param: 'model', message: expect.stringContaining(model) });
    }
  });

  it('PROVIDER/MODEL reaches that provider with the model name after the first slash', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'), fixtureReply('xai/reasoning-summary-text.sse'));
    const res = await postResponses(env.gateway.url, { model: 'openai/gpt-4.1', input: 'hi' });
    expect(res.status).toBe(200);
    expect(lastSent().model).toBe('gpt-4.1');
    expect(env.upstream.received.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-openai');

    const xai = await postResponses(env.gateway.url, { model: 'xai/grok-4/fast', input: 'hi' });
    expect(xai.status).toBe(200);
    expect(lastSent().model).toBe('grok-4/fast');
    expect(env.upstream.received.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-xai');
  });

  it('GET /v1/models lists the aliases in the list shape', async () => {
    const res = await getJson(env.gateway.url, '/v1/models');
    expect(res.status).toBe(200);
    expect(res.json.object).toBe('list');
    expect((res.json.data as JsonObject[]).map((m) => m.id)).toEqual(Object.keys(env.gateway.config.models));
    expect((res.json.data as JsonObject[])[0]).toEqual({ id: 'gpt-4o', object: 'model', created: expect.any(Number), owned_by: 'openai' });
  });
});

describe('state ids', () => {
  it('previous_response_id with conversation is a 400 naming one of them', async () => {
    const res = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_x', conversation: 'conv_x' }));
    expect(res.status).toBe(400);
    const error = expectOpenAIError(res.json);
    expect(['previous_response_id', 'conversation']).toContain(error.param);
    expect(error.message).toMatch(/previous_response_id/);
    expect(error.message).toMatch(/conversation/);
  });

  it('a previous_response_id the gateway never issued is a 404 previous_response_not_found', async () => {
    const before = env.upstream.received.length;
    const res = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_never_issued' }));
    expect(res.status).toBe(404);
    expect(expectOpenAIError(res.json)).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(env.upstream.received.length).toBe(before);
  });

  it('GET, DELETE and input_items of an unknown id are 404 in the error shape', async () => {
    for (const [path, method] of [['/v1/responses/resp_nope', 'GET'], ['/v1/responses/resp_nope', 'DELETE'], ['/v1/responses/resp_nope/input_items', 'GET']] as const) {
      const res = await getJson(env.gateway.url, path, undefined, method);
      expect(res.status).toBe(404);
      expectOpenAIError(res.json);
    }
  });
});

describe('authentication', () => {
  it.each([
    { name: 'no Authorization header', headers: { 'content-type': 'application/json' } },
    { name: 'a wrong key', headers: authHeaders('sk-test-mallory') },
    { name: 'a key that is a prefix of a real one', headers: authHeaders('sk-test-ali') },
    { name: 'a non-Bearer scheme', headers: { authorization: 'Basic sk-test-alice', 'content-type': 'application/json' } },
  ])('$name: 401 on every /v1 route, nothing sent upstream', async ({ headers }) => {
    const before = env.upstream.received.length;
    const created = await post(JSON.stringify({ model: 'gpt-4o', input: 'hi' }), headers);
    expect(created.status).toBe(401);
    expect(expectOpenAIError(created.json).code).toBe('invalid_api_key');
    const models = await fetch(`${env.gateway.url}/v1/models`, { headers });
    expect(models.status).toBe(401);
    expect(env.upstream.received.length).toBe(before);
  });
});

describe('authentication that passes', () => {
  it('accepts the scheme in any case, as HTTP allows', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await fetch(`${env.gateway.url}/v1/models`, { headers: { authorization: `${scheme} sk-test-alice` } });
      expect(res.status).toBe(200);
    }
  });
});

describe('input_items query parameters', () => {
  it.each([
    { query: 'limit=0', param: 'limit' },
    { query: 'limit=101', param: 'limit' },
    { query: 'limit=ten', param: 'limit' },
    { query: 'order=up', param: 'order' },
  ])('$query is a 400 naming $param', async ({ query, param }) => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi' });
    const res = await getJson(env.gateway.url, `/v1/responses/${String(created.json!.id)}/input_items?${query}`);
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.json)).toMatchObject({ type: 'invalid_request_error', param });
  });
});

describe('an upstream that cannot be reached', () => {
  let unreachable: TestGateway;
  beforeAll(async () => {
    // A port that was just free: nothing listens there any more.
    const closed = await startMockUpstream();
    await closed.close();
    unreachable = await startTestGateway(closed.url);
  });
  afterAll(async () => {
    await unreachable?.close();
  });

  it.each([false, true])('is a 502 naming the upstream, also for stream: %s', async (stream) => {
    const res = await postResponses(unreachable.url, { model: 'gpt-4o', input: 'hi', stream });
    expect(res.status).toBe(502);
    expect(expectOpenAIError(res.json!)).toMatchObject({ code: 'upstream_unreachable', message: expect.stringContaining('Could not reach provider "openai"') });
  });
});

describe('max_output_tokens', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startTestGateway(env.upstream.url, { limits: { max_output_tokens: 1000 } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('is lowered to the ceiling, kept when below it, and omitted when the client sends none', async () => {
    env.upstream.reply('/v1/responses', ...[1, 2, 3].map(() => fixtureReply('openai/text-with-conversation.sse')));
    expect((await postResponses(limited.url, { model: 'gpt-4o', input: 'hi', max_output_tokens: 5000 })).status).toBe(200);
    expect(lastSent().max_output_tokens).toBe(1000);
    expect((await postResponses(limited.url, { model: 'gpt-4o', input: 'hi', max_output_tokens: 500 })).status).toBe(200);
    expect(lastSent().max_output_tokens).toBe(500);
    expect((await postResponses(limited.url, { model: 'gpt-4o', input: 'hi' })).status).toBe(200);
    expect(lastSent()).not.toHaveProperty('max_output_tokens');
  });

  it('has a default ceiling of 120000', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    expect((await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', max_output_tokens: 500_000 })).status).toBe(200);
    expect(lastSent().max_output_tokens).toBe(120_000);
  });
});

describe('store: false', () => {
  it.each([false, true])('answers 200 (stream: %s) and leaves nothing retrievable', async (stream) => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', store: false, stream });
    expect(res.status).toBe(200);
    const response = (stream ? res.events.at(-1)!.response : res.json) as JsonObject;
    expect(response.status).toBe('completed');
    expect(response.store).toBe(false);
    expect(lastSent().store).toBe(false);
    expect((await getJson(env.gateway.url, `/v1/responses/${String(response.id)}`)).status).toBe(404);
    expect((await getJson(env.gateway.url, `/v1/responses/${String(response.id)}/input_items`)).status).toBe(404);
    const chained = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'more', previous_response_id: response.id });
    expect(chained.status).toBe(404);
  });
});

describe('xAI quirks', () => {
  it('never sends reasoning.summary to xAI but asks for encrypted reasoning', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('xai/reasoning-summary-text.sse'));
    const res = await postResponses(env.gateway.url, { model: 'grok-code-fast-1', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } });
    expect(res.status).toBe(200);
    const sent = lastSent();
    expect(sent.model).toBe('grok-code-fast-1');
    expect(sent.reasoning).toEqual({ effort: 'low' });
    expect(sent.include).toContain('reasoning.encrypted_content');
  });

  it('drops a reasoning object that held only the summary, and keeps the include the client asked for', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('xai/reasoning-summary-text.sse'));
    await postResponses(env.gateway.url, { model: 'grok-code-fast-1', input: 'hi', reasoning: { summary: 'detailed' }, include: ['web_search_call.action.sources'] });
    const sent = lastSent();
    expect(sent).not.toHaveProperty('reasoning');
    expect(sent.include).toEqual(['web_search_call.action.sources', 'reasoning.encrypted_content']);
  });

  it('keeps reasoning.summary for OpenAI', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } });
    expect(lastSent().reasoning).toEqual({ effort: 'low', summary: 'auto' });
  });
});

describe('unknown fields', () => {
  it('are forwarded upstream untouched, next to the fields the gateway reads', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const extra = {
      service_tier: 'flex',
      text: { verbosity: 'low', format: { type: 'text' } },
      prompt_cache_key: 'cache-1',
      safety_identifier: 'user-123',
      truncation: 'auto',
      some_future_field: { nested: [1, { deep: null }, 'x'], flag: false },
      tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'f', parameters: {} }] }],
    };
    const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', temperature: 0.5, ...extra });
    expect(res.status).toBe(200);
    expect(lastSent()).toMatchObject({ ...extra, temperature: 0.5 });
    expect(lastSent().some_future_field).toEqual(extra.some_future_field);
  });
});

describe('a provider whose API key variable is unset', () => {
  let home: string;
  let keyless: RunningGateway;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'junction-keyless-'));
    const yaml = `
server: { host: 127.0.0.1, port: 0 }
database: { url: "sqlite:${join(home, 'junction.db')}" }
keys: [{ name: alice, key: sk-test-alice }]
providers:
  openai: { type: openai-responses, base_url: "${env.upstream.url}", api_key: "\${JUNCTION_TEST_UNSET_OPENAI_KEY}" }
models:
  gpt-4o: { provider: openai, model: gpt-4o }
logging: { level: silent }
`;
    const config = parseConfig(yaml, 'keyless.yaml', {});
    keyless = await startGateway(config, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await keyless?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts, and answers a clear error naming the provider and the variable when used, without calling upstream', async () => {
    const before = env.upstream.received.length;
    for (const stream of [false, true]) {
      const res = await postResponses(keyless.url, { model: 'gpt-4o', input: 'hi', stream });
      expect(res.status).toBe(500);
      const error = expectOpenAIError(res.json!);
      expect(error.message).toContain('"openai"');
      expect(error.message).toContain('JUNCTION_TEST_UNSET_OPENAI_KEY');
      expect(error.code).toBe('provider_not_configured');
    }
    expect(env.upstream.received.length).toBe(before);
  });
});

describe('cancel', () => {
  it('refuses to cancel a response that was not created in background mode, and 404s an unknown id', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi' });
    const id = String(created.json!.id);
    const cancel = await getJson(env.gateway.url, `/v1/responses/${id}/cancel`, undefined, 'POST');
    expect(cancel.status).toBe(400);
    expect(expectOpenAIError(cancel.json)).toMatchObject({ code: 'not_cancellable' });
    const unknown = await getJson(env.gateway.url, '/v1/responses/resp_unknown/cancel', undefined, 'POST');
    expect(unknown.status).toBe(404);
    const foreign = await getJson(env.gateway.url, `/v1/responses/${id}/cancel`, 'sk-test-bob', 'POST');
    expect(foreign.status).toBe(404);
  });
});

describe('a non-streaming run that fails after output started', () => {
  it('answers the HTTP error and keeps nothing, since the client never learned the id', async () => {
    const before = await storedCount();
    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-length-midstream-error.sse'));
    const res = await postResponses(env.gateway.url, { model: 'openrouter/minimax/minimax-m2:free', input: 'hi' });
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.json!)).toMatchObject({ message: 'Token limit reached' });
    expect(await storedCount()).toBe(before);
  });
});

/** Rows in the responses table, read through the gateway's own database file. */
async function storedCount(): Promise<number> {
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(join(env.gateway.dir, 'junction.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('server.body_limit_mb', () => {
  let small: TestGateway;
  beforeAll(async () => {
    small = await startTestGateway(env.upstream.url, { server: { host: '127.0.0.1', port: 0, body_limit_mb: 0.001 } });
  });
  afterAll(async () => {
    await small?.close();
  });
  const big = JSON.stringify({ model: 'gpt-4o', input: 'x'.repeat(5_000) });

  it('refuses a body declared larger than the limit with 413 request_too_large, before calling upstream', async () => {
    const before = env.upstream.received.length;
    const res = await fetch(`${small.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: big });
    expect(res.status).toBe(413);
    expect(expectOpenAIError((await res.json()) as JsonObject)).toMatchObject({ code: 'request_too_large' });
    expect(env.upstream.received.length).toBe(before);
  });

  it('counts a chunked body without Content-Length against the limit too', async () => {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 1_000, (i + 1) * 1_000)));
        controller.enqueue(new TextEncoder().encode(big.slice(5_000)));
        controller.close();
      },
    });
    const res = await fetch(`${small.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
});
