// The `@openai/agents` SDK's flows on every provider kind (run, streamed run, chains, tool loops, store:false reasoning, model switches, handoffs), checked at each upstream.
import { Agent, OpenAIProvider, Runner, handoff, setTracingDisabled, tool, type AgentInputItem, type ModelSettings } from '@openai/agents';
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
  reasoningMarkers,
  sentSince,
  toolOutputsSent,
  type KindSetup,
} from './support/client-matrix.js';
import { useGatewayWithMock } from './support/test-gateway.js';

// Tracing would send spans to OpenAI whatever the base URL.
process.env.OPENAI_AGENTS_DISABLE_TRACING = '1';
setTracingDisabled(true);

const env = useGatewayWithMock(MATRIX_CONFIG);
let runner: Runner;
/** The runner of `store: false` runs (see UNSTORED_KEY). */
let unstored: Runner;

beforeAll(() => {
  const runnerFor = (apiKey: string) =>
    new Runner({ modelProvider: new OpenAIProvider({ baseURL: `${env.gateway.url}/v1`, apiKey, useResponses: true }), tracingDisabled: true });
  runner = runnerFor(STORED_KEY);
  unstored = runnerFor(UNSTORED_KEY);
});

const tools = TOOL_NAMES.map((name) =>
  tool({ name, description: TOOL_DESCRIPTION, parameters: { ...TOOL_PARAMETERS, required: [] }, strict: false, execute: async () => TOOL_OUTPUT }),
);
const QUESTION = 'What is 12 + 7?';
const FOLLOW_UP: AgentInputItem = { role: 'user', content: 'And 12 - 7?' };
/** What a reasoning turn asks for: encrypted reasoning and readable summaries (which xAI's quirks leave out). */
const ENCRYPTED: ModelSettings = { providerData: { include: ['reasoning.encrypted_content'] }, reasoning: { effort: 'low', summary: 'auto' } };

const agentOn = (kind: KindSetup, modelSettings: ModelSettings = {}) => new Agent({ name: `On ${kind.kind}`, instructions: 'Answer.', model: kind.model, tools, modelSettings });

/** Runs to the end, draining a streamed run's events. */
async function finish(result: object) {
  if ('completed' in result && Symbol.asyncIterator in result) {
    for await (const _event of result as AsyncIterable<unknown>) {
      // Drained: the run goes on only while its events are read.
    }
    await result.completed;
  }
}

/** Turn 1 on `kind`'s reasoning recording; the run goes on (with `kind`'s text) after a tool call. */
async function reasoningTurn(client: Runner, kind: KindSetup, settings: ModelSettings, stream = false) {
  queue(env.upstream, kind, kind.reasoning.fixture, ...(kind.reasoning.endsWithCall ? [kind.text] : []));
  const agent = agentOn(kind, { ...ENCRYPTED, ...settings });
  const result = stream ? await client.run(agent, QUESTION, { stream: true }) : await client.run(agent, QUESTION);
  await finish(result);
  // The SDK keeps a reasoning item's encrypted content in its providerData.
  const reasoning = result.newItems
    .map((item) => item.rawItem as JsonObject)
    .filter((item) => item.type === 'reasoning')
    .map((item) => ({ ...item, encrypted_content: ((item.providerData ?? {}) as JsonObject).encrypted_content }));
  return { result, markers: reasoningMarkers(reasoning), encrypted: reasoning[0]?.encrypted_content };
}

describe.each(KINDS)('@openai/agents on $kind', (kind) => {
  it('run returns the final output', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text);
    const result = await runner.run(agentOn(kind), QUESTION);
    expect(typeof result.finalOutput).toBe('string');
    expect(result.finalOutput).not.toBe('');
    sentSince(env.upstream, start, kind);
  });

  it('run with stream: true streams the text of its final output', async () => {
    queue(env.upstream, kind, kind.text);
    const result = await runner.run(agentOn(kind), QUESTION, { stream: true });
    let streamed = '';
    for await (const chunk of result.toTextStream()) streamed += chunk;
    await result.completed;
    expect(streamed).not.toBe('');
    expect(result.finalOutput).toBe(streamed);
  });

  it('a previousResponseId chain sends turn 1 upstream as history', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text, kind.text);
    const turn1 = await runner.run(agentOn(kind), QUESTION);
    await runner.run(agentOn(kind), [FOLLOW_UP], { previousResponseId: turn1.lastResponseId });
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(assistantTextSent(second!)).toBe(turn1.finalOutput);
  });

  it.each([false, true])('a tool loop (stream: %s): the tool runs, its output goes back, the run ends in text', async (stream) => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.toolCall.fixture, kind.text);
    const result = stream ? await runner.run(agentOn(kind), QUESTION, { stream: true }) : await runner.run(agentOn(kind), QUESTION);
    await finish(result);
    const calls = result.newItems.filter((item) => item.type === 'tool_call_item').map((item) => (item.rawItem as JsonObject).name);
    expect(calls).toEqual([kind.toolCall.tool]);
    expect(result.finalOutput).not.toBe('');
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(toolOutputsSent(second!)).toEqual([TOOL_OUTPUT]);
  });
});

describe.each(ENCRYPTING)('@openai/agents with store: false on $kind', (kind) => {
  it('store: false replays the encrypted reasoning by value to the same provider (its history replayed)', async () => {
    const start = env.upstream.received.length;
    const turn1 = await reasoningTurn(unstored, kind, { store: false });
    expect(turn1.encrypted, 'turn 1 has encrypted reasoning').toEqual(expect.any(String));
    queue(env.upstream, kind, kind.text);
    await unstored.run(agentOn(kind, { ...ENCRYPTED, store: false }), [...turn1.result.history, FOLLOW_UP]);
    const sent = env.upstream.received.slice(start);
    const last = sent.at(-1)!;
    expectOwnReasoningSent(last, kind, turn1.encrypted);
  });
});

describe.each(SWITCHES)('@openai/agents switching from $from.kind to $to.kind (store: $store, stream: $stream)', ({ from, to, store, stream }) => {
  it(`${to.kind} gets the conversation and none of ${from.kind}'s reasoning`, async () => {
    const start = env.upstream.received.length;
    const client = store ? runner : unstored;
    const turn1 = await reasoningTurn(client, from, { store }, stream);
    expect(turn1.markers.length, `${from.kind} reasoned`).toBeGreaterThan(0);
    queue(env.upstream, to, to.text);
    // Stored: a previousResponseId chain; not stored: the SDK's own history replayed.
    const [agent, input, options] = store
      ? [agentOn(to), [FOLLOW_UP], { previousResponseId: turn1.result.lastResponseId }]
      : [agentOn(to, { store }), [...turn1.result.history, FOLLOW_UP], {}];
    const turn2 = stream ? await client.run(agent, input, { ...options, stream: true }) : await client.run(agent, input, options);
    await finish(turn2);
    expect(turn2.finalOutput).not.toBe('');

    const sent = sentSince(env.upstream, start, ...(from.reasoning.endsWithCall ? [from, from] : [from]), to);
    const toSecond = sent.at(-1)!;
    expectNoForeignReasoning(toSecond, turn1.markers);
    expect(assistantTextSent(toSecond)).toBe(turn1.result.finalOutput);
    if (from.reasoning.endsWithCall) expect(toolOutputsSent(toSecond)).toEqual([TOOL_OUTPUT]);
  });
});

describe.each(SWITCHES.filter(({ store }) => store))('@openai/agents handing off from $from.kind to $to.kind (stream: $stream)', ({ from, to, stream }) => {
  it(`${to.kind} gets the conversation and the handoff, and none of ${from.kind}'s reasoning`, async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, from, from.toolCall.fixture);
    queue(env.upstream, to, to.text);
    const target = agentOn(to);
    // The recorded call on `from` is the handoff: it carries the recorded tool's name.
    const triage = new Agent({ name: 'Triage', instructions: 'Hand off.', model: from.model, modelSettings: ENCRYPTED, handoffs: [handoff(target, { toolNameOverride: from.toolCall.tool })] });
    const result = stream ? await runner.run(triage, QUESTION, { stream: true }) : await runner.run(triage, QUESTION);
    await finish(result);
    expect(result.lastAgent).toBe(target);
    expect(result.finalOutput).not.toBe('');

    const reasoning = result.newItems
      .filter((item) => 'agent' in item && item.agent === triage)
      .map((item) => item.rawItem as JsonObject)
      .filter((item) => item.type === 'reasoning');
    // The native recordings reason before the call (the Chat ones do not): the SDK keeps that reasoning and replays it.
    expect(reasoning.length > 0).toBe(from.path === '/v1/responses');
    const [, toSecond] = sentSince(env.upstream, start, from, to);
    expectNoForeignReasoning(toSecond!, reasoningMarkers(reasoning));
    expect(toolOutputsSent(toSecond!)).toHaveLength(1);
  });
});
