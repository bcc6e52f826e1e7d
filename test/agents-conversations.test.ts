// `@openai/agents` with `conversationId`: two runs with a tool call on one gateway conversation, on an OpenAI-type and a Chat provider, checked at each upstream.
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import {
  KINDS,
  MATRIX_CONFIG,
  STORED_KEY,
  TOOL_DESCRIPTION,
  TOOL_NAMES,
  TOOL_OUTPUT,
  TOOL_PARAMETERS,
  assistantTextSent,
  expectNoForeignReasoning,
  queue,
  reasoningMarkers,
  reasoningSent,
  sentSince,
  toolOutputsSent,
  type KindSetup,
} from './support/client-matrix.js';
import type { ReceivedRequest } from './support/mock-upstream.js';
import { useGatewayWithMock } from './support/test-gateway.js';

process.env.OPENAI_AGENTS_DISABLE_TRACING = '1';
setTracingDisabled(true);

const env = useGatewayWithMock(MATRIX_CONFIG);
let runner: Runner;
let client: OpenAI;

beforeAll(() => {
  runner = new Runner({ modelProvider: new OpenAIProvider({ baseURL: `${env.gateway.url}/v1`, apiKey: STORED_KEY, useResponses: true }), tracingDisabled: true });
  client = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: STORED_KEY, maxRetries: 0 });
});

const tools = TOOL_NAMES.map((name) =>
  tool({ name, description: TOOL_DESCRIPTION, parameters: { ...TOOL_PARAMETERS, required: [] }, strict: false, execute: async () => TOOL_OUTPUT }),
);
const agentOn = (kind: KindSetup) => new Agent({ name: `On ${kind.kind}`, instructions: 'Answer.', model: kind.model, tools });
const QUESTION = 'What is 12 + 7?';
const FOLLOW_UP = 'And 12 - 7?';

/** The user texts a request carried upstream, in order (Responses input messages or Chat user messages). */
function userTextsSent(request: ReceivedRequest): string[] {
  const entries = (request.path === '/v1/chat/completions' ? request.json.messages : request.json.input) as JsonObject[];
  return entries
    .filter((entry) => entry.role === 'user')
    .map((entry) => (typeof entry.content === 'string' ? entry.content : (entry.content as JsonObject[]).map((part) => part.text).join('')));
}

/** The names of the tool calls a request carried upstream (Responses function_call items or Chat assistant tool_calls). */
function toolCallsSent(request: ReceivedRequest): string[] {
  if (request.path === '/v1/chat/completions') {
    return (request.json.messages as JsonObject[]).flatMap((m) => ((m.tool_calls ?? []) as JsonObject[]).map((call) => String((call.function as JsonObject).name)));
  }
  return (request.json.input as JsonObject[]).filter((item) => item.type === 'function_call').map((item) => String(item.name));
}

const OPENAI = KINDS.find((kind) => kind.kind === 'openai')!;
const CHAT = KINDS.find((kind) => kind.kind === 'openrouter')!;
const XAI = KINDS.find((kind) => kind.kind === 'xai')!;

describe.each([OPENAI, CHAT])('@openai/agents with conversationId on $kind', (kind) => {
  it('two runs with a tool call: each upstream call gets the whole conversation, in order', async () => {
    const conversation = await client.conversations.create();
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.toolCall.fixture, kind.text, kind.text);

    const first = await runner.run(agentOn(kind), QUESTION, { conversationId: conversation.id });
    expect(first.newItems.filter((item) => item.type === 'tool_call_item').map((item) => (item.rawItem as JsonObject).name)).toEqual([kind.toolCall.tool]);
    const second = await runner.run(agentOn(kind), FOLLOW_UP, { conversationId: conversation.id });
    expect(second.finalOutput).not.toBe('');

    const [call, afterTool, nextRun] = sentSince(env.upstream, start, kind, kind, kind);
    for (const request of [call, afterTool, nextRun]) expect(request!.body).not.toContain(conversation.id);
    expect(userTextsSent(call!)).toEqual([QUESTION]);
    // The SDK sends only the tool's output: the call it answers comes from the conversation.
    expect(toolCallsSent(afterTool!)).toEqual([kind.toolCall.tool]);
    expect(toolOutputsSent(afterTool!)).toEqual([TOOL_OUTPUT]);
    // The next run sends only its question: the first run comes from the conversation.
    expect(userTextsSent(nextRun!)).toEqual([QUESTION, FOLLOW_UP]);
    expect(toolCallsSent(nextRun!)).toEqual([kind.toolCall.tool]);
    expect(toolOutputsSent(nextRun!)).toEqual([TOOL_OUTPUT]);
    expect(assistantTextSent(nextRun!)).toBe(first.finalOutput);

    const items = await client.conversations.items.list(conversation.id, { order: 'asc', limit: 100 });
    const types = items.data.map((item) => item.type);
    expect(types.filter((type) => type === 'function_call')).toHaveLength(1);
    expect(types.filter((type) => type === 'function_call_output')).toHaveLength(1);
    expect(types.at(-1)).toBe('message');
  });
});

describe('a conversation that moves from OpenAI to xAI, to a Chat provider, and back', () => {
  it('sends each provider only the reasoning it made', async () => {
    const conversation = await client.conversations.create();
    const start = env.upstream.received.length;
    queue(env.upstream, OPENAI, OPENAI.reasoning.fixture, OPENAI.text);
    const first = await runner.run(agentOn(OPENAI), QUESTION, { conversationId: conversation.id });
    const markers = reasoningMarkers(first.newItems.map((item) => item.rawItem as JsonObject));
    expect(markers.length, 'OpenAI reasoned').toBeGreaterThan(0);

    queue(env.upstream, XAI, XAI.reasoning.fixture);
    const onXai = await runner.run(agentOn(XAI), FOLLOW_UP, { conversationId: conversation.id });
    const xaiMarkers = reasoningMarkers(onXai.newItems.map((item) => item.rawItem as JsonObject));
    expect(xaiMarkers.length, 'xAI reasoned').toBeGreaterThan(0);
    queue(env.upstream, CHAT, CHAT.text);
    await runner.run(agentOn(CHAT), 'And on Chat?', { conversationId: conversation.id });
    queue(env.upstream, OPENAI, OPENAI.text);
    await runner.run(agentOn(OPENAI), 'And once more?', { conversationId: conversation.id });

    const [, afterTool, toXai, toChat, backToOpenai] = sentSince(env.upstream, start, OPENAI, OPENAI, XAI, CHAT, OPENAI);
    expect(reasoningSent(afterTool!).length).toBeGreaterThan(0);
    // Another Responses provider and a Chat provider: neither gets reasoning it did not make.
    expectNoForeignReasoning(toXai!, markers);
    expect(userTextsSent(toXai!)).toEqual([QUESTION, FOLLOW_UP]);
    expectNoForeignReasoning(toChat!, [...markers, ...xaiMarkers]);
    expect(userTextsSent(toChat!)).toEqual([QUESTION, FOLLOW_UP, 'And on Chat?']);
    expect(toolOutputsSent(toChat!)).toEqual([TOOL_OUTPUT]);
    // Back on OpenAI: its own reasoning, none of xAI's.
    expect(reasoningSent(backToOpenai!).map((item) => item.id)).toEqual(reasoningSent(afterTool!).map((item) => item.id));
  });
});
