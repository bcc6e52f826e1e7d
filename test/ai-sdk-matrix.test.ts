// The AI SDK's flows on every provider kind (generateText, streamText, chains, tool loops, store:false reasoning, item_reference, model switches), checked at each upstream.
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import {
  ENCRYPTING,
  KINDS,
  MATRIX_CONFIG,
  STORED_KEY,
  SWITCHES,
  TOOL_DESCRIPTION,
  TOOL_NAMES,
  TOOL_OUTPUT,
  TOOL_PARAMETERS,
  UNSTORED_KEY,
  assistantTextSent,
  expectNoForeignReasoning,
  expectOwnReasoningSent,
  queue,
  reasoningSent,
  sentSince,
  toolOutputsSent,
  type KindSetup,
} from './support/client-matrix.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock(MATRIX_CONFIG);
/** What the SDK sent the gateway, request by request. */
const sentByClient: JsonObject[] = [];
let openai: OpenAIProvider;
/** The client of `store: false` turns (see UNSTORED_KEY). */
let unstored: OpenAIProvider;

beforeAll(() => {
  const client = (apiKey: string) =>
    createOpenAI({
      baseURL: `${env.gateway.url}/v1`,
      apiKey,
      fetch: async (url, init) => {
        sentByClient.push(JSON.parse(String(init?.body)) as JsonObject);
        return fetch(url, init);
      },
    });
  openai = client(STORED_KEY);
  unstored = client(UNSTORED_KEY);
});

const tools = Object.fromEntries(
  TOOL_NAMES.map((name) => [name, tool({ description: TOOL_DESCRIPTION, inputSchema: jsonSchema<Record<string, unknown>>({ ...TOOL_PARAMETERS }), execute: async () => TOOL_OUTPUT })]),
);
const QUESTION: ModelMessage = { role: 'user', content: 'What is 12 + 7?' };
const FOLLOW_UP: ModelMessage = { role: 'user', content: 'And 12 - 7?' };
/** What a reasoning turn asks for: encrypted reasoning and readable summaries (which xAI's quirks leave out). */
const ENCRYPTED = { include: ['reasoning.encrypted_content'], reasoningEffort: 'low', reasoningSummary: 'auto' };

/** Turn 1 on `kind`'s reasoning recording; the SDK runs the tool it calls (one step). */
async function reasoningTurn(client: OpenAIProvider, kind: KindSetup, options: JsonObject = {}, stream = false) {
  queue(env.upstream, kind, kind.reasoning.fixture);
  const call = { model: client.responses(kind.model), messages: [QUESTION], tools, providerOptions: { openai: { ...ENCRYPTED, ...options } } };
  const result = stream ? streamText(call) : await generateText(call);
  const metadata = (await result.reasoning).map((part) => (part.providerMetadata?.openai ?? {}) as JsonObject);
  const markers = metadata.flatMap((m) => [m.itemId, m.reasoningEncryptedContent]).filter((v): v is string => typeof v === 'string');
  // The history the SDK replays next: turn 1, then the follow-up question when turn 1 called no tool.
  const history: ModelMessage[] = [QUESTION, ...(await result.response).messages, ...(kind.reasoning.endsWithCall ? [] : [FOLLOW_UP])];
  return { text: await result.text, markers, metadata, history };
}

describe.each(KINDS)('the AI SDK on $kind', (kind) => {
  it('generateText returns the answer', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text);
    const result = await generateText({ model: openai.responses(kind.model), messages: [QUESTION] });
    expect(result.text).not.toBe('');
    sentSince(env.upstream, start, kind);
  });

  it('streamText streams the text it resolves', async () => {
    queue(env.upstream, kind, kind.text);
    const result = streamText({ model: openai.responses(kind.model), messages: [QUESTION] });
    let streamed = '';
    for await (const delta of result.textStream) streamed += delta;
    expect(streamed).not.toBe('');
    expect(await result.text).toBe(streamed);
    expect(await result.finishReason).toBe('stop');
  });

  it('a previousResponseId chain sends turn 1 upstream as history', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text, kind.text);
    const turn1 = await generateText({ model: openai.responses(kind.model), messages: [QUESTION] });
    const previousResponseId = (turn1.providerMetadata?.openai as JsonObject).responseId as string;
    await generateText({ model: openai.responses(kind.model), messages: [FOLLOW_UP], providerOptions: { openai: { previousResponseId } } });
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(assistantTextSent(second!)).toBe(turn1.text);
  });

  it('a tool loop (stopWhen two steps): the tool runs, its output goes back, the final step is text', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.toolCall.fixture, kind.text);
    const result = await generateText({ model: openai.responses(kind.model), messages: [QUESTION], tools, stopWhen: stepCountIs(2) });
    expect(result.steps[0]!.toolCalls.map((call) => call.toolName)).toEqual([kind.toolCall.tool]);
    expect(result.text).not.toBe('');
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(toolOutputsSent(second!)).toEqual([TOOL_OUTPUT]);
  });

  it('the history replayed with item_reference reaches the same provider resolved, with its reasoning', async () => {
    const start = env.upstream.received.length;
    const turn1 = await reasoningTurn(openai, kind);
    queue(env.upstream, kind, kind.text);
    await generateText({ model: openai.responses(kind.model), messages: turn1.history, tools });
    expect(sentByClient.at(-1)!.input).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'item_reference' })]));
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(second!.body).not.toContain('item_reference');
    // A plain Chat server takes no reasoning back; every other provider gets its own.
    expect(reasoningSent(second!)).toHaveLength(kind.kind === 'local' ? 0 : 1);
  });
});

describe.each(ENCRYPTING)('the AI SDK with store: false on $kind', (kind) => {
  it('store: false replays the encrypted reasoning by value to the same provider', async () => {
    const start = env.upstream.received.length;
    const turn1 = await reasoningTurn(unstored, kind, { store: false });
    const encrypted = turn1.metadata[0]?.reasoningEncryptedContent;
    expect(encrypted, 'turn 1 has encrypted reasoning').toEqual(expect.any(String));
    queue(env.upstream, kind, kind.text);
    await generateText({ model: unstored.responses(kind.model), messages: turn1.history, tools, providerOptions: { openai: { store: false, ...ENCRYPTED } } });
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expectOwnReasoningSent(second!, kind, encrypted);
  });
});

describe.each(SWITCHES)('the AI SDK switching from $from.kind to $to.kind (store: $store, stream: $stream)', ({ from, to, store, stream }) => {
  it(`${to.kind} gets the conversation and none of ${from.kind}'s reasoning`, async () => {
    const start = env.upstream.received.length;
    const client = store ? openai : unstored;
    const turn1 = await reasoningTurn(client, from, { store }, stream);
    expect(turn1.markers.length, `${from.kind} reasoned`).toBeGreaterThan(0);
    queue(env.upstream, to, to.text);
    const call = { model: client.responses(to.model), messages: turn1.history, tools, providerOptions: { openai: { store } } };
    const turn2 = stream ? streamText(call) : await generateText(call);
    expect(await turn2.text).not.toBe('');

    // Stored, the SDK names turn 1's reasoning by item_reference; not stored, it sends it by value.
    const references = turn1.metadata.map((m) => ({ type: 'item_reference', id: m.itemId }));
    if (store) expect(sentByClient.at(-1)!.input).toEqual(expect.arrayContaining(references));
    const [, toSecond] = sentSince(env.upstream, start, from, to);
    expectNoForeignReasoning(toSecond!, turn1.markers);
    if (from.reasoning.endsWithCall) expect(toolOutputsSent(toSecond!)).toEqual([TOOL_OUTPUT]);
    else expect(assistantTextSent(toSecond!)).toBe(turn1.text);
  });
});
