// The real `openai` SDK against a running gateway: create, stream, retrieve, delete, input items, chains, owners.
import OpenAI, { NotFoundError } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { fixtureReply } from './support/mock-upstream.js';
import { streamViolations } from './support/stream-invariants.js';
import { errorOf } from './support/sdk-error-of.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();
let alice: OpenAI;
let bob: OpenAI;

beforeAll(() => {
  alice = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-bob', maxRetries: 0 });
});

/** The list body as the gateway sent it (the SDK keeps it on a protected field). */
const bodyOf = (page: object) => (page as unknown as { body: JsonObject }).body;

/** The body the gateway sent upstream for the most recent call. */
const lastUpstreamBody = () => env.upstream.received.at(-1)!.json;

const CALCULATOR: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'calculator',
  description: 'A minimal calculator for basic arithmetic.',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' }, op: { type: 'string', enum: ['add', 'subtract', 'multiply', 'divide'] } },
    required: ['a', 'b', 'op'],
    additionalProperties: false,
  },
  strict: true,
};

describe('responses.create (non-streaming)', () => {
  it('returns the folded response, which retrieve returns unchanged', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'Say hello' });

    expect(created.id).toMatch(/^resp_/);
    expect(created.object).toBe('response');
    expect(created.status).toBe('completed');
    expect(created.output_text.length).toBeGreaterThan(0);
    expect(lastUpstreamBody()).toMatchObject({ model: 'gpt-4o', input: 'Say hello', stream: false });

    const retrieved = await alice.responses.retrieve(created.id);
    const { output_text: _a, ...createdBody } = created;
    const { output_text: _b, ...retrievedBody } = retrieved;
    expect(retrievedBody).toEqual(createdBody);
  });
});

describe('responses.stream() helper', () => {
  it('accepts the stream and its finalResponse() is what retrieve returns', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse', { chunkSize: 311 }));
    const stream = alice.responses.stream({ model: 'gpt-5-nano', input: 'What is 12 + 7?', tools: [CALCULATOR], reasoning: { effort: 'high', summary: 'detailed' } });
    const events: (JsonObject & { type: string })[] = [];
    for await (const event of stream) events.push(event as unknown as JsonObject & { type: string });
    const final = await stream.finalResponse();

    expect(streamViolations(events)).toEqual([]);
    expect(events[0]!.type).toBe('response.created');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(final.status).toBe('completed');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    const call = final.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'calculator', arguments: '{"a":12,"b":7,"op":"add"}' });

    const completed = events.at(-1)!.response as JsonObject;
    expect(final.id).toBe(completed.id);
    const retrieved = await alice.responses.retrieve(final.id);
    const { output_text: _b, ...retrievedBody } = retrieved;
    expect(retrievedBody).toEqual(completed);
    // The helper adds its parsed conveniences (parsed_arguments, output_parsed) on top of the same object.
    expect(final).toMatchObject(retrievedBody);
  });
});

describe('responses.create({stream: true})', () => {
  it('iterates raw events: numbered from 0, one response id, one terminal event', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-legacy-no-seq.sse', { chunkSize: 97 }));
    const stream = await alice.responses.create({ model: 'gpt-4o', input: 'Tell me a joke', stream: true });
    const events: (JsonObject & { type: string })[] = [];
    for await (const event of stream) events.push(event as unknown as JsonObject & { type: string });

    expect(streamViolations(events)).toEqual([]);
    const final = events.at(-1)!.response as JsonObject;
    expect(final.status).toBe('completed');
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    expect(text.length).toBeGreaterThan(0);
    const retrieved = await alice.responses.retrieve(String(final.id));
    expect(retrieved.output).toEqual(final.output);
  });
});

describe('responses.delete', () => {
  it('deletes, after which retrieve is a 404 NotFoundError', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'Soon gone' });
    const raw = await fetch(`${env.gateway.url}/v1/responses/${created.id}`, { method: 'DELETE', headers: { authorization: 'Bearer sk-test-alice' } });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ id: created.id, object: 'response', deleted: true });

    const err = await errorOf(() => alice.responses.retrieve(created.id));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toBe(404);
    // A second delete through the SDK: the id is gone.
    expect(await errorOf(() => alice.responses.delete(created.id))).toBeInstanceOf(NotFoundError);
  });

  it('works through the SDK and leaves input items unreachable', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'Soon gone too' });
    await alice.responses.delete(created.id);
    expect(await errorOf(() => alice.responses.inputItems.list(created.id))).toBeInstanceOf(NotFoundError);
  });
});

describe('responses.inputItems.list', () => {
  const INPUT = ['one', 'two', 'three', 'four', 'five'].map((text) => ({ type: 'message' as const, role: 'user' as const, content: text }));
  let id: string;

  beforeAll(async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    id = (await alice.responses.create({ model: 'gpt-4o', input: INPUT })).id;
  });

  const texts = (items: OpenAI.Responses.ResponseItem[]) =>
    items.map((item) => ((item as OpenAI.Responses.ResponseInputMessageItem).content[0] as OpenAI.Responses.ResponseInputText).text);

  it('lists newest first by default, each as a message with an id and input_text parts', async () => {
    const page = await alice.responses.inputItems.list(id);
    expect(texts(page.data)).toEqual(['five', 'four', 'three', 'two', 'one']);
    expect(page.has_more).toBe(false);
    for (const item of page.data) {
      expect(item).toMatchObject({ type: 'message', role: 'user', id: expect.any(String) });
    }
    const body = bodyOf(page);
    expect(body.object).toBe('list');
    expect(body.first_id).toBe(page.data[0]!.id);
    expect(body.last_id).toBe(page.data.at(-1)!.id);
  });

  it('pages with limit and the after cursor, in both orders', async () => {
    const first = await alice.responses.inputItems.list(id, { limit: 2, order: 'asc' });
    expect(texts(first.data)).toEqual(['one', 'two']);
    expect(first.has_more).toBe(true);
    expect(bodyOf(first).last_id).toBe(first.data[1]!.id);

    const second = await first.getNextPage();
    expect(texts(second.data)).toEqual(['three', 'four']);
    expect(second.has_more).toBe(true);
    const third = await second.getNextPage();
    expect(texts(third.data)).toEqual(['five']);
    expect(third.has_more).toBe(false);
    expect(third.hasNextPage()).toBe(false);

    const desc = await alice.responses.inputItems.list(id, { limit: 2, after: first.data[1]!.id });
    expect(texts(desc.data)).toEqual(['one']);
    expect(desc.has_more).toBe(false);

    const all: string[] = [];
    for await (const item of alice.responses.inputItems.list(id, { limit: 2 })) all.push(...texts([item]));
    expect(all).toEqual(['five', 'four', 'three', 'two', 'one']);
  });

  it('answers an empty list for an empty page', async () => {
    const lastId = (await alice.responses.inputItems.list(id, { order: 'asc' })).data.at(-1)!.id;
    const empty = await alice.responses.inputItems.list(id, { order: 'asc', after: lastId });
    expect(empty.data).toEqual([]);
    expect(bodyOf(empty)).toMatchObject({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });
});

describe('a three-turn previous_response_id chain (reasoning + function call, then text)', () => {
  it('sends turn 1 and 2 inputs, outputs and encrypted reasoning upstream in turn 3, without instructions or the id', async () => {
    const start = env.upstream.received.length;
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    const turn1 = await alice.responses.create({
      model: 'gpt-5-nano',
      instructions: 'You are a calculator. Use the tool.',
      input: 'What is 12 + 7?',
      tools: [CALCULATOR],
      reasoning: { effort: 'high', summary: 'detailed' },
    });
    expect(turn1.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    const reasoning = turn1.output[0] as OpenAI.Responses.ResponseReasoningItem;
    const call = turn1.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(reasoning.encrypted_content).toMatch(/^gAAAA/);

    env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-loop-final-text.sse'));
    const toolOutput = { type: 'function_call_output' as const, call_id: call.call_id, output: '19' };
    const turn2 = await alice.responses.create({ model: 'gpt-5-nano', previous_response_id: turn1.id, input: [toolOutput], tools: [CALCULATOR] });
    expect(turn2.previous_response_id).toBe(turn1.id);
    expect(turn2.output.map((item) => item.type)).toEqual(['message']);

    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const turn3 = await alice.responses.create({ model: 'gpt-5-nano', previous_response_id: turn2.id, input: 'And now double it.' });
    expect(turn3.previous_response_id).toBe(turn2.id);

    const [sent1, sent2, sent3] = env.upstream.received.slice(start).map((r) => r.json);
    expect(sent1!.include).toContain('reasoning.encrypted_content');
    expect(sent1!.instructions).toBe('You are a calculator. Use the tool.');
    for (const sent of [sent1!, sent2!, sent3!]) expect(sent).not.toHaveProperty('previous_response_id');

    const history = sent3!.input as JsonObject[];
    expect(history).toHaveLength(6);
    expect(history[0]).toMatchObject({ role: 'user', content: 'What is 12 + 7?' });
    expect(history[1]).toMatchObject({ type: 'reasoning', id: reasoning.id, encrypted_content: reasoning.encrypted_content });
    expect(history[2]).toMatchObject({ type: 'function_call', id: call.id, call_id: call.call_id, name: 'calculator', arguments: call.arguments });
    expect(history[3]).toMatchObject(toolOutput);
    expect(history[4]).toMatchObject({ type: 'message', role: 'assistant', id: turn2.output[0]!.id });
    expect((history[4]!.content as JsonObject[])[0]!.text).toBe(turn2.output_text);
    expect(history[5]).toMatchObject({ role: 'user', content: 'And now double it.' });

    // Turn 2's upstream input is turn 1's history plus the tool output.
    expect((sent2!.input as JsonObject[]).slice(0, 4)).toEqual(history.slice(0, 4));
    // Instructions are not carried over; the gpt-5 family still asks for encrypted reasoning without `reasoning`.
    expect(sent3).not.toHaveProperty('instructions');
    expect(sent3).not.toHaveProperty('reasoning');
    expect(sent3!.include).toContain('reasoning.encrypted_content');
  });

  it("replays reasoning only to the provider that produced it; other items go to any provider", async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    const turn1 = await alice.responses.create({ model: 'gpt-5-nano', input: 'What is 12 + 7?', tools: [CALCULATOR] });
    const [reasoning, call] = turn1.output as [OpenAI.Responses.ResponseReasoningItem, OpenAI.Responses.ResponseFunctionToolCall];
    const toolOutput = { type: 'function_call_output' as const, call_id: call.call_id, output: '19' };

    env.upstream.reply('/v1/responses', fixtureReply('xai/reasoning-summary-text.sse'), fixtureReply('openai/function-call-loop-final-text.sse'));
    await alice.responses.create({ model: 'grok-code-fast-1', previous_response_id: turn1.id, input: [toolOutput] });
    const toXai = lastUpstreamBody().input as JsonObject[];
    expect(toXai.map((item) => item.type ?? item.role)).toEqual(['message', 'function_call', 'function_call_output']);
    expect(JSON.stringify(toXai)).not.toContain(reasoning.encrypted_content!);

    await alice.responses.create({ model: 'gpt-5-mini', previous_response_id: turn1.id, input: [toolOutput] });
    const toOpenAI = lastUpstreamBody().input as JsonObject[];
    expect(toOpenAI.map((item) => item.type ?? item.role)).toEqual(['message', 'reasoning', 'function_call', 'function_call_output']);
    expect(toOpenAI[1]!.encrypted_content).toBe(reasoning.encrypted_content);
  });

  it('asks for encrypted reasoning on a non-reasoning model only when the request has `reasoning`', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'), fixtureReply('openai/text-with-conversation.sse'));
    await alice.responses.create({ model: 'gpt-4o', input: 'hi', include: ['message.output_text.logprobs'] });
    expect(lastUpstreamBody().include).toEqual(['message.output_text.logprobs']);
    await alice.responses.create({ model: 'gpt-4o', input: 'hi', include: ['message.output_text.logprobs'], reasoning: { effort: 'low' } });
    expect(lastUpstreamBody().include).toEqual(['message.output_text.logprobs', 'reasoning.encrypted_content']);
  });
});

describe("another key asking for alice's ids", () => {
  let id: string;

  beforeAll(async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    id = (await alice.responses.create({ model: 'gpt-4o', input: 'private' })).id;
  });

  it('gets 404 on retrieve, delete and inputItems.list, and alice still has it', async () => {
    for (const call of [() => bob.responses.retrieve(id), () => bob.responses.delete(id), () => bob.responses.inputItems.list(id)]) {
      const err = await errorOf(call);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.status).toBe(404);
    }
    await expect(alice.responses.retrieve(id)).resolves.toMatchObject({ id });
  });

  it('gets 404 previous_response_not_found when chaining on it, and nothing goes upstream', async () => {
    const before = env.upstream.received.length;
    const err = await errorOf(() => bob.responses.create({ model: 'gpt-4o', previous_response_id: id, input: 'continue' }));
    expect(err.status).toBe(404);
    expect(err.code).toBe('previous_response_not_found');
    expect(err.param).toBe('previous_response_id');
    expect(env.upstream.received.length).toBe(before);
  });
});
