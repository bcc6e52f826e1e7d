// Bad input gets a 4xx naming the field, never a 5xx: every field OpenAI's spec types is checked, and JSON of any depth is refused cleanly.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { postResponses } from './support/gateway-client.js';
import { fixtureReply } from './support/mock-upstream.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

async function postRaw(body: string) {
  const res = await fetch(`${env.gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body });
  return { status: res.status, json: (await res.json()) as { error: JsonObject } };
}

/** Wrong values for each typed field (each of a different JSON type than the spec's), and one right value. */
const FIELDS: Record<string, { wrong: unknown[]; right: unknown }> = {
  text: { wrong: ['plain', 5, [], true, { format: 'json' }, { format: { type: 1 } }, { verbosity: 3 }], right: { format: { type: 'text' }, verbosity: 'low' } },
  tool_choice: { wrong: [5, true, [], { name: 'f' }, { type: 3 }], right: { type: 'function', name: 'f' } },
  truncation: { wrong: [5, true, [], {}], right: 'auto' },
  user: { wrong: [5, true, [], {}], right: 'u1' },
  service_tier: { wrong: [5, true, [], {}], right: 'auto' },
  top_logprobs: { wrong: ['5', true, [], {}, 1.5, -1, 21], right: 3 },
  max_tool_calls: { wrong: ['5', true, [], {}, 2.5], right: 4 },
  prompt_cache_key: { wrong: [5, true, [], {}], right: 'k' },
  prompt_cache_retention: { wrong: [5, true, [], {}], right: '24h' },
  prompt_cache_options: { wrong: ['30m', 5, [], { ttl: 30 }], right: { ttl: '30m' } },
  safety_identifier: { wrong: [5, true, [], {}, 'x'.repeat(65)], right: 'hashed-user' },
  stream_options: { wrong: ['yes', 5, [], { include_obfuscation: 'no' }], right: { include_obfuscation: false } },
  prompt: { wrong: ['pmpt_1', 5, [], {}, { id: 5 }, { id: 'p', version: 2 }, { id: 'p', variables: { a: 5 } }], right: { id: 'pmpt_1', version: '2', variables: { a: 'b' } } },
  reasoning: { wrong: ['high', 5, [], { effort: 5 }, { summary: true }], right: { effort: 'low', summary: 'auto' } },
  moderation: { wrong: ['omni', 5, [], {}], right: { model: 'omni-moderation-latest' } },
  context_management: { wrong: ['auto', {}, [5], [{}], [{ type: 'compaction', compact_threshold: 10 }]], right: [{ type: 'compaction', compact_threshold: 2000 }] },
  instructions: { wrong: [5, true, {}], right: 'be brief' },
  include: { wrong: ['reasoning.encrypted_content', [5], {}], right: ['message.output_text.logprobs'] },
  parallel_tool_calls: { wrong: ['true', 1, {}], right: false },
  store: { wrong: ['false', 0, []], right: true },
  background: { wrong: ['false', 0, []], right: false },
  previous_response_id: { wrong: [5, {}, []], right: null },
  conversation: { wrong: [5, true, []], right: null },
  top_p: { wrong: ['1', true, [], 2], right: 0.9 },
  tools: { wrong: ['web_search', {}, [5], [{ name: 'f' }]], right: [{ type: 'function', name: 'f', parameters: {} }] },
};

const WRONG = Object.entries(FIELDS).flatMap(([field, { wrong }]) => wrong.map((value) => ({ field, value })));

describe('every field the spec types is checked for its type', () => {
  it.each(WRONG)('$field = $value is a 400 naming $field, nothing sent upstream', async ({ field, value }) => {
    const before = env.upstream.received.length;
    const res = await postRaw(JSON.stringify({ model: 'gpt-4o', input: 'hi', [field]: value }));
    expect(res.status).toBe(400);
    expect(res.json.error.type).toBe('invalid_request_error');
    expect(String(res.json.error.param).split(/[.[]/)[0]).toBe(field);
    expect(String(res.json.error.message)).toContain(field);
    expect(env.upstream.received.length).toBe(before);
  });

  it.each(Object.entries(FIELDS).filter(([, { right }]) => right !== null))('a well-typed %s is accepted and forwarded as sent', async (field, { right }) => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', [field]: right } as JsonObject);
    expect(res.status).toBe(200);
    // The gateway owns these: it adds to include, strips stream_options and background before upstream.
    if (!['include', 'background', 'stream_options'].includes(field)) expect(env.upstream.received.at(-1)!.json[field]).toEqual(right);
  });

  it('an unknown field of any type is still forwarded', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'hi', some_future_field: [1, 'x', { y: null }] });
    expect(res.status).toBe(200);
    expect(env.upstream.received.at(-1)!.json.some_future_field).toEqual([1, 'x', { y: null }]);
  });
});

describe('JSON nested 100,000 levels deep', () => {
  const DEPTH = 100_000;
  const arrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const objects = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
  const SHAPES = [
    { name: 'arrays in an unknown field', body: `{"model":"gpt-4o","input":"hi","zzz":${arrays}}`, param: 'zzz' },
    { name: 'objects in an unknown field', body: `{"model":"gpt-4o","input":"hi","zzz":${objects}}`, param: 'zzz' },
    { name: "arrays as an item's content", body: `{"model":"gpt-4o","input":[{"role":"user","content":${arrays}}]}`, param: 'input[0].content' },
    { name: "objects in an item's content part", body: `{"model":"gpt-4o","input":[{"role":"user","content":[{"type":"input_text","text":"x","x":${objects}}]}]}`, param: 'input[0].content' },
    { name: "objects in an unknown item's field", body: `{"model":"gpt-4o","input":[{"type":"message","role":"user","content":"hi","extra":${objects}}]}`, param: 'input[0].extra' },
    { name: "a tool's parameters", body: `{"model":"gpt-4o","input":"hi","tools":[{"type":"function","name":"f","parameters":${objects}}]}`, param: 'tools[0].parameters' },
    { name: 'reasoning', body: `{"model":"gpt-4o","input":"hi","reasoning":${objects}}`, param: 'reasoning' },
    { name: 'text', body: `{"model":"gpt-4o","input":"hi","text":${objects}}`, param: 'text' },
    { name: 'metadata', body: `{"model":"gpt-4o","input":"hi","metadata":${objects}}`, param: 'metadata' },
  ];
  const CASES = SHAPES.flatMap((shape) => [
    { ...shape, stream: false, model: 'gpt-4o' },
    { ...shape, stream: true, model: 'gpt-4o' },
    { ...shape, stream: true, model: 'openrouter/some-model' },
  ]);

  it('nesting a few hundred levels deep (a big JSON schema) is still forwarded', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const res = await postRaw(`{"model":"gpt-4o","input":"hi","zzz":${'['.repeat(300)}1${']'.repeat(300)}}`);
    expect(res.status).toBe(200);
    expect(env.upstream.received.at(-1)!.body).toContain(`${'['.repeat(300)}1`);
  });

  it.each(CASES)('$name (stream: $stream, $model) is a 400 naming $param', async ({ body, param, stream, model }) => {
    const before = env.upstream.received.length;
    const res = await postRaw(body.replace('"model":"gpt-4o"', `"model":"${model}","stream":${stream}`));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(String(res.json.error.message)).toContain(param);
    expect(env.upstream.received.length).toBe(before);
  });
});
