// The `openai` SDK's flows on every provider kind (create, stream helper, chains, tool loops, store:false reasoning, model switches), checked at each upstream.
import OpenAI from 'openai';
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
} from './support/client-matrix.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock(MATRIX_CONFIG);
let client: OpenAI;
/** The client of `store: false` turns (see UNSTORED_KEY). */
let unstored: OpenAI;

beforeAll(() => {
  client = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: STORED_KEY, maxRetries: 0 });
  unstored = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: UNSTORED_KEY, maxRetries: 0 });
});

const tools: OpenAI.Responses.FunctionTool[] = TOOL_NAMES.map((name) => ({ type: 'function', name, description: TOOL_DESCRIPTION, parameters: { ...TOOL_PARAMETERS }, strict: false }));
const QUESTION: OpenAI.Responses.ResponseInputItem = { role: 'user', content: 'What is 12 + 7?' };
const FOLLOW_UP: OpenAI.Responses.ResponseInputItem = { role: 'user', content: 'And 12 - 7?' };
/** What a reasoning turn asks for: encrypted reasoning and readable summaries (which xAI's quirks leave out). */
const ENCRYPTED = { include: ['reasoning.encrypted_content' as const], reasoning: { effort: 'low' as const, summary: 'auto' as const } };

/** What answers a turn's function calls: each call's output, or the follow-up question when there is none. */
function answerTo(response: OpenAI.Responses.Response): OpenAI.Responses.ResponseInputItem[] {
  const calls = response.output.filter((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
  return calls.length > 0 ? calls.map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: TOOL_OUTPUT })) : [FOLLOW_UP];
}

describe.each(KINDS)('the openai SDK on $kind', (kind) => {
  it('create (non-streaming) returns the answer', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text);
    const response = await client.responses.create({ model: kind.model, input: [QUESTION] });
    expect(response.status).toBe('completed');
    expect(response.output_text).not.toBe('');
    sentSince(env.upstream, start, kind);
  });

  it('the responses.stream() helper streams the answer that finalResponse() returns', async () => {
    queue(env.upstream, kind, kind.text);
    const stream = client.responses.stream({ model: kind.model, input: [QUESTION] });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(text).not.toBe('');
    expect(final.output_text).toBe(text);
  });

  it('a previous_response_id chain sends turn 1 upstream as history', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.text, kind.text);
    const turn1 = await client.responses.create({ model: kind.model, input: [QUESTION] });
    const turn2 = await client.responses.create({ model: kind.model, previous_response_id: turn1.id, input: [FOLLOW_UP] });
    expect(turn2.previous_response_id).toBe(turn1.id);
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(assistantTextSent(second!)).toBe(turn1.output_text);
  });

  it('a tool loop: the call is answered with its output, and the final turn is text', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.toolCall.fixture, kind.text);
    const turn1 = await client.responses.create({ model: kind.model, input: [QUESTION], tools });
    const call = turn1.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: kind.toolCall.tool });
    const turn2 = await client.responses.create({ model: kind.model, previous_response_id: turn1.id, input: answerTo(turn1), tools });
    expect(turn2.output_text).not.toBe('');
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expect(toolOutputsSent(second!)).toEqual([TOOL_OUTPUT]);
  });
});

describe.each(ENCRYPTING)('the openai SDK with store: false on $kind', (kind) => {
  it('store: false replays the encrypted reasoning by value to the same provider', async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, kind, kind.reasoning.fixture, kind.text);
    const turn1 = await unstored.responses.create({ model: kind.model, input: [QUESTION], tools, store: false, ...ENCRYPTED });
    const reasoning = turn1.output.find((item) => item.type === 'reasoning');
    expect(reasoning?.encrypted_content, 'turn 1 has encrypted reasoning').toEqual(expect.any(String));
    const input = [QUESTION, ...(turn1.output as OpenAI.Responses.ResponseInputItem[]), ...answerTo(turn1)];
    await unstored.responses.create({ model: kind.model, input, tools, store: false, ...ENCRYPTED });
    const [, second] = sentSince(env.upstream, start, kind, kind);
    expectOwnReasoningSent(second!, kind, reasoning!.encrypted_content);
  });
});

describe.each(SWITCHES)('the openai SDK switching from $from.kind to $to.kind (store: $store, stream: $stream)', ({ from, to, store, stream }) => {
  it(`${to.kind} gets the conversation and none of ${from.kind}'s reasoning`, async () => {
    const start = env.upstream.received.length;
    queue(env.upstream, from, from.reasoning.fixture);
    queue(env.upstream, to, to.text);
    const sdk = store ? client : unstored;
    /** A turn, through the stream() helper or create. */
    const send = (body: OpenAI.Responses.ResponseCreateParamsNonStreaming & { stream?: never }) => (stream ? sdk.responses.stream(body).finalResponse() : sdk.responses.create(body));
    const turn1 = await send({ model: from.model, input: [QUESTION], tools, store, ...ENCRYPTED });
    const markers = reasoningMarkers(turn1.output as unknown as JsonObject[]);
    expect(markers.length, `${from.kind} reasoned`).toBeGreaterThan(0);

    const next = answerTo(turn1);
    const turn2 = store
      ? await send({ model: to.model, previous_response_id: turn1.id, input: next, tools })
      : await send({ model: to.model, input: [QUESTION, ...(turn1.output as OpenAI.Responses.ResponseInputItem[]), ...next], tools, store });
    expect(turn2.output_text).not.toBe('');

    const [, toSecond] = sentSince(env.upstream, start, from, to);
    expectNoForeignReasoning(toSecond!, markers);
    if (from.reasoning.endsWithCall) expect(toolOutputsSent(toSecond!)).toEqual([TOOL_OUTPUT]);
    else expect(assistantTextSent(toSecond!)).toBe(turn1.output_text);
  });
});
