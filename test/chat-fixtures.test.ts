// Every recorded Chat Completions stream and body, replayed through a chat provider: the same well-formed Responses stream.
import { readdirSync } from 'node:fs';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { foldWithOpenAiSdk } from '../transformers/chat/check-event-invariants.test-support.js';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixturePath, fixtureReply } from './support/mock-upstream.js';
import { streamViolations } from './support/stream-invariants.js';
import { TEST_KEYS, useGatewayWithMock } from './support/test-gateway.js';

const CHAT = [
  ...readdirSync(fixturePath('openrouter'))
    .filter((f) => f.startsWith('chat-') && (f.endsWith('.sse') || (f.endsWith('.json') && !f.endsWith('.request.json'))))
    .map((f) => `openrouter/${f}`),
  'openai/chat-tool-calls.sse',
];

/** What each recording ends as: read from its last chunks (finish_reason, error chunk) by hand, once. */
const EXPECTED_STATUS: Record<string, string> = {
  'openrouter/chat-length-midstream-error.sse': 'failed',
};

const env = useGatewayWithMock();

describe.each(CHAT)('replaying %s through a Chat Completions provider', (file) => {
  it('streams a complete Responses stream that folds to what GET returns', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply(file, { chunkSize: 512 }));
    const result = await postResponses(env.gateway.url, { model: 'openrouter/some/model', input: 'replay', stream: true });
    expect(result.status).toBe(200);
    expect(streamViolations(result.events)).toEqual([]);
    const final = result.events.at(-1)!.response as JsonObject;
    expect(final.status).toBe(EXPECTED_STATUS[file] ?? 'completed');
    expect((final.output as JsonObject[]).length).toBeGreaterThan(0);
    expect(foldWithOpenAiSdk(result.events)).toEqual(final.output);
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(final.id)}`);
    expect(stored.json).toEqual(final);

    const sent = env.upstream.received.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.json).toMatchObject({ model: 'some/model', stream: true, stream_options: { include_usage: true } });
  });

  it('folds the same run into the non-streaming answer', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply(file));
    const result = await postResponses(env.gateway.url, { model: 'openrouter/some/model', input: 'replay' });
    if ((EXPECTED_STATUS[file] ?? 'completed') === 'failed') {
      // A non-streaming request answers the HTTP error; OpenRouter's error code is an HTTP status, passed on.
      expect(result.status).toBe(400);
      expect(result.json!.error).toMatchObject({ message: expect.stringContaining('Token limit reached') });
      return;
    }
    expect(result.status).toBe(200);
    const stored = await getJson(env.gateway.url, `/v1/responses/${String(result.json!.id)}`);
    expect(stored.json).toEqual(result.json);
  });
});

describe('usage from a chat provider', () => {
  it('maps prompt/completion tokens and reasoning tokens into Responses usage', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-reasoning-anthropic.sse'));
    const result = await postResponses(env.gateway.url, { model: 'openrouter/anthropic/claude-sonnet-4.5', input: 'think', reasoning: { effort: 'low', summary: 'auto' } });
    const usage = result.json!.usage as JsonObject;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens_details).toHaveProperty('reasoning_tokens');
    const reasoning = (result.json!.output as JsonObject[]).find((i) => i.type === 'reasoning')!;
    expect(typeof reasoning.encrypted_content).toBe('string');
  });
});

describe('a tool loop with the openai SDK through a chat provider', () => {
  it('sends the model call, then the client output via previous_response_id as a correct Chat history', async () => {
    const client = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: TEST_KEYS[0]!.key, maxRetries: 0 });
    const tools = [{ type: 'function' as const, name: 'llm_version', description: 'Return the installed version of llm', parameters: { type: 'object', properties: {} }, strict: false }];

    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-tool-call.sse'));
    const first = await client.responses.create({ model: 'openrouter/openai/gpt-4.1-mini', input: 'What is the current llm version?', tools });
    const call = first.output.find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'llm_version', call_id: 'call_o4OCgtJrNoZTmoCRvmlfoHfj', arguments: '{}' });

    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-text.sse'));
    const second = await client.responses.create({
      model: 'openrouter/openai/gpt-4.1-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call!.type === 'function_call' ? call!.call_id : '', output: '0.27' }],
      tools,
    });
    expect(second.status).toBe('completed');
    expect(second.output_text.length).toBeGreaterThan(0);

    const messages = env.upstream.received.at(-1)!.json.messages as JsonObject[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(messages[1]!.tool_calls).toEqual([
      { id: 'call_o4OCgtJrNoZTmoCRvmlfoHfj', type: 'function', function: { name: 'llm_version', arguments: '{}' } },
    ]);
    expect(messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_o4OCgtJrNoZTmoCRvmlfoHfj', content: '0.27' });
  });
});

describe('encrypted reasoning across providers', () => {
  it('goes back to the provider that made it, and never to another one', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-reasoning-anthropic.sse'));
    const first = await postResponses(env.gateway.url, { model: 'openrouter/anthropic/claude-sonnet-4.5', input: 'think', reasoning: { summary: 'auto' } });
    expect(first.status).toBe(200);

    // Same provider: the reasoning details ride on the assistant message, as OpenRouter wants them back.
    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-text.sse'));
    await postResponses(env.gateway.url, { model: 'openrouter/anthropic/claude-sonnet-4.5', input: 'again', previous_response_id: first.json!.id });
    const sameProvider = env.upstream.received.at(-1)!.json.messages as JsonObject[];
    const assistant = sameProvider.find((m) => m.role === 'assistant')!;
    expect(Array.isArray(assistant.reasoning_details)).toBe(true);
    expect((assistant.reasoning_details as JsonObject[]).length).toBeGreaterThan(0);

    // Another provider: the reasoning item is not sent at all.
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    await postResponses(env.gateway.url, { model: 'gpt-4o', input: 'and now openai', previous_response_id: first.json!.id });
    const otherProvider = env.upstream.received.at(-1)!.json.input as JsonObject[];
    expect(otherProvider.some((i) => i.type === 'reasoning')).toBe(false);
    expect(otherProvider.some((i) => i.type === 'message' && i.role === 'assistant')).toBe(true);
  });
});

describe('a web search through a chat provider', () => {
  const fixture = 'openrouter/chat-web-search-synthetic.sse';

  it.each([
    ['a web_search tool (OpenRouter web plugin)', { model: 'openrouter/openai/gpt-4o', tools: [{ type: 'web_search' }] }],
    ['an :online model', { model: 'openrouter/openai/gpt-4o:online' }],
  ])('with %s, the output opens with the web_search_call OpenAI would send', async (_name, request) => {
    env.upstream.reply('/v1/chat/completions', fixtureReply(fixture));
    const result = await postResponses(env.gateway.url, { ...request, input: 'When did OpenAI announce the Responses API?', stream: true });
    expect(streamViolations(result.events)).toEqual([]);
    const final = result.events.at(-1)!.response as JsonObject;
    const output = final.output as JsonObject[];
    expect(output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
    expect(output[0]).toMatchObject({ type: 'web_search_call', status: 'completed', action: { type: 'search' } });
    expect(result.events.filter((e) => e.type.startsWith('response.web_search_call.')).map((e) => [e.type, e.item_id])).toEqual(
      ['in_progress', 'searching', 'completed'].map((step) => [`response.web_search_call.${step}`, output[0]!.id]),
    );
    const sent = env.upstream.received.at(-1)!.json;
    expect(Boolean(sent.plugins) || String(sent.model).endsWith(':online')).toBe(true);
  });

  it('echoes the tools as OpenAI does: the web_search tool with its defaults, a function tool strict unless told', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply(fixture));
    const fn = { type: 'function', name: 'f', parameters: { type: 'object', properties: {} } };
    const result = await postResponses(env.gateway.url, { model: 'openrouter/openai/gpt-4o', input: 'hi', tools: [{ type: 'web_search' }, fn] });
    expect(result.json!.tools).toEqual([
      { type: 'web_search', filters: null, search_context_size: 'medium', user_location: null },
      { type: 'function', description: null, name: 'f', parameters: { type: 'object', properties: {} }, strict: true },
    ]);
    // What reaches the Chat upstream is untouched by the echo: no strict the client did not send.
    expect((env.upstream.received.at(-1)!.json.tools as JsonObject[])[0]).toEqual({ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } });
  });
});
