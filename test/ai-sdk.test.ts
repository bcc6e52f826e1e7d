// The real AI SDK (`ai` + `@ai-sdk/openai`) against the gateway: a second turn on another provider refers to the first turn's reasoning with `item_reference`, which must not reach that provider.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool, type ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { fixtureReply } from './support/mock-upstream.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

const calculator = tool({
  description: 'A minimal calculator for basic arithmetic.',
  inputSchema: jsonSchema<{ a: number; b: number; op: string }>({
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' }, op: { type: 'string' } },
    required: ['a', 'b', 'op'],
  }),
  execute: async ({ a, b }) => String(a + b),
});

describe.each([false, true])('the AI SDK switching from OpenAI to xAI between turns (stream: %s)', (stream) => {
  it("sends xAI the conversation without OpenAI's reasoning, which it names by item_reference", async () => {
    const sentByClient: JsonObject[] = [];
    const openai = createOpenAI({
      baseURL: `${env.gateway.url}/v1`,
      apiKey: 'sk-test-alice',
      fetch: async (url, init) => {
        sentByClient.push(JSON.parse(String(init?.body)) as JsonObject);
        return fetch(url, init);
      },
    });
    // Turn 1 on OpenAI: it reasons, then calls the calculator, which the SDK runs.
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'), fixtureReply('xai/reasoning-summary-text.sse'));
    const before = env.upstream.received.length;
    const question: ModelMessage = { role: 'user', content: 'What is 12 + 7?' };
    const turn1 = {
      model: openai.responses('gpt-5-mini'),
      messages: [question],
      tools: { calculator },
      providerOptions: { openai: { reasoningEffort: 'low', reasoningSummary: 'auto' } },
    };
    const first = stream ? streamText(turn1) : await generateText(turn1);
    const firstMessages = (await first.response).messages;
    const reasoningIds = (await first.reasoning).map((part) => (part.providerMetadata?.openai as JsonObject | undefined)?.itemId);
    expect(reasoningIds.length, 'turn 1 produced reasoning').toBeGreaterThan(0);

    // Turn 2 on xAI: the same conversation and a follow-up, through the same OpenAI-type client.
    const turn2 = { model: openai.responses('grok-code-fast-1'), messages: [question, ...firstMessages, { role: 'user', content: 'And 12 - 7?' } as const] };
    const second = stream ? streamText(turn2) : await generateText(turn2);
    expect(await second.text).not.toBe('');

    // What the client sent: the reasoning as an item_reference (the SDK's default with `store`).
    expect(sentByClient[1]!.input).toEqual(expect.arrayContaining(reasoningIds.map((id) => ({ type: 'item_reference', id }))));
    expect(env.upstream.received.length - before).toBe(2);
    const toXai = env.upstream.received.at(-1)!;
    expect(toXai.json.model).toBe('grok-code-fast-1');
    const input = toXai.json.input as JsonObject[];
    expect(input.map((item) => item.type)).toEqual(expect.arrayContaining(['function_call', 'function_call_output']));
    expect(input.filter((item) => item.type === 'reasoning' || item.type === 'item_reference' || item.encrypted_content !== undefined)).toEqual([]);
    for (const id of reasoningIds) expect(toXai.body).not.toContain(String(id));
  });
});
