// The Open Responses compliance suite's cases, sent through each kind of provider: answers its schemas accept.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { postResponses } from './support/gateway-client.js';
import { fixtureReply } from './support/mock-upstream.js';
import { openResponsesSpec } from './support/openapi-validator.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const user = (content: string) => ({ type: 'message', role: 'user', content });
const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather somewhere',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
// A 1×1 PNG: the case is about the request's shape, not the picture.
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** The suite's cases (its ids): the request each sends, streamed or not, and whether it expects a function call. */
const CASES: { id: string; body: JsonObject; stream?: boolean; call?: boolean }[] = [
  { id: 'basic-response', body: { input: [user('Say hello in three words.')] } },
  { id: 'streaming-response', body: { input: [user('Count to five.')] }, stream: true },
  { id: 'system-prompt', body: { input: [{ type: 'message', role: 'system', content: 'Answer as a pirate.' }, user('Say hello.')] } },
  { id: 'tool-calling', body: { input: [user('Weather in Paris?')], tools: [weatherTool] }, call: true },
  { id: 'tool-calling-streaming', body: { input: [user('Weather in Paris?')], tools: [weatherTool] }, stream: true, call: true },
  {
    id: 'image-input',
    body: { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: PIXEL }] }] },
  },
  { id: 'multi-turn', body: { input: [user('My name is Alice.'), { type: 'message', role: 'assistant', content: 'Hello Alice!' }, user('What is my name?')] } },
];

/** One recording per provider kind for a text answer and, where one exists, for a function call. */
const PROVIDERS = [
  { kind: 'OpenAI', model: 'gpt-4o', upstreamPath: '/v1/responses', text: 'openai/text-with-conversation.sse', call: 'openai/reasoning-summary-function-call.sse' },
  // No public recording of an xAI client function call exists: its tool cases answer with text.
  { kind: 'xAI', model: 'grok-code-fast-1', upstreamPath: '/v1/responses', text: 'xai/reasoning-summary-text.sse', call: undefined },
  { kind: 'Chat (OpenRouter)', model: 'openrouter/openai/gpt-4o', upstreamPath: '/v1/chat/completions', text: 'openrouter/chat-text.sse', call: 'openrouter/chat-tool-call.sse' },
];

const env = useGatewayWithMock();

describe.each(PROVIDERS)('the Open Responses compliance cases through $kind', ({ model, upstreamPath, text, call }) => {
  it.each(CASES)('$id', async ({ body, stream, call: wantsCall }) => {
    const fixture = wantsCall && call ? call : text;
    env.upstream.reply(upstreamPath, fixtureReply(fixture));
    const result = await postResponses(env.gateway.url, { model, ...body, stream: stream === true });
    expect(result.status).toBe(200);

    let response = result.json!;
    if (stream) {
      // The suite parses every event with its union of event schemas, and takes the terminal event's object.
      expect(result.events.flatMap((event) => openResponsesSpec.validateStreamEvent(event).map((error) => `${event.type} ${error}`))).toEqual([]);
      response = result.events.at(-1)!.response as JsonObject;
    }
    expect(openResponsesSpec.validateResponseObject(response)).toEqual([]);
    expect(response.status).toBe('completed');
    const output = response.output as JsonObject[];
    expect(output.length).toBeGreaterThan(0);
    if (wantsCall && call) expect(output.some((item) => item.type === 'function_call')).toBe(true);
  });
});
