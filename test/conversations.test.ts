// The Conversations API through the real `openai` SDK: every endpoint, pagination both ways, validation, another key's 404s, and responses in a conversation (recorded upstream replies).
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tagMaker } from '../transformers/maker-tag.js';
import type { JsonObject } from '../transformers/responses-types.js';
import { fixturePath, fixtureReply, gate } from './support/mock-upstream.js';
import { validateResponseObject, validateSchema } from './support/openapi-validator.js';
import { errorOf } from './support/sdk-error-of.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();
let alice: OpenAI;
let bob: OpenAI;

beforeAll(() => {
  alice = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-bob', maxRetries: 0 });
});

const recorded = (name: string) => JSON.parse(readFileSync(fixturePath(`openai/${name}`), 'utf8')) as JsonObject;

const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });
/** The texts of a list of items, for comparing orders. */
const texts = (items: object[]) =>
  items.map((item) => {
    const content = (item as JsonObject).content as JsonObject[] | undefined;
    return content?.map((part) => part.text).join('') ?? String((item as JsonObject).type);
  });
/** The texts of the input items the upstream got last. */
const upstreamInputTexts = (request = env.upstream.received.at(-1)!) => texts((request.json.input as JsonObject[]).map((item) => (typeof item.content === 'string' ? { content: [{ text: item.content }] } : item)));

describe('conversations (the recorded shapes)', () => {
  it('create with no body answers the recorded conversation object, delete the recorded deleted object', async () => {
    const created = await alice.conversations.create();
    expect(Object.keys(created).sort()).toEqual(Object.keys(recorded('conversation-create.json')).sort());
    expect(created).toMatchObject({ object: 'conversation', metadata: {} });
    expect(created.id).toMatch(/^conv_[0-9a-f]{48}$/);
    expect(validateSchema('ConversationResource', created)).toEqual([]);

    const deleted = await alice.conversations.delete(created.id);
    expect(deleted).toEqual({ ...recorded('conversation-delete.json'), id: created.id });
    expect(validateSchema('DeletedConversationResource', deleted)).toEqual([]);
    expect((await errorOf(() => alice.conversations.retrieve(created.id))).status).toBe(404);
  });

  it('a response in a conversation (recorded, JSON then streamed) echoes it, sees its items first, and appends its own', async () => {
    const conversation = await alice.conversations.create({ metadata: { topic: 'codes' }, items: [user('Hello before.')] });
    const first = recorded('response-in-conversation.request.json');
    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const answered = await alice.responses.create({ ...(first as object), model: 'gpt-4o', conversation: conversation.id } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(answered.conversation).toEqual({ id: conversation.id });
    const { output_text: _text, ...answeredBody } = answered;
    expect(validateResponseObject(answeredBody)).toEqual([]);
    expect(answered.output_text).toBe('stored');
    const sent = env.upstream.received.at(-1)!.json;
    expect(sent).not.toHaveProperty('conversation');
    expect(upstreamInputTexts()).toEqual(['Hello before.', 'Remember this exact code for later in this conversation: CONV-PAI-5222. Reply exactly: stored']);

    const second = recorded('text-with-conversation.request.json');
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const stream = await alice.responses.create({ ...(second as object), model: 'gpt-4o', conversation: { id: conversation.id } } as OpenAI.Responses.ResponseCreateParamsStreaming);
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed?.conversation).toEqual({ id: conversation.id });
    expect(upstreamInputTexts()).toEqual([
      'Hello before.',
      'Remember this exact code for later in this conversation: CONV-PAI-5222. Reply exactly: stored',
      'stored',
      'Reply exactly: streamed',
    ]);

    const items = await alice.conversations.items.list(conversation.id, { order: 'asc' });
    expect(texts(items.data)).toEqual([...upstreamInputTexts(), 'streamed']);
    expect(items.data.map((item) => item.id)).toContain(answered.output[0]!.id);
    expect(validateSchema('ConversationItemList', (items as unknown as { body: unknown }).body)).toEqual([]);
    expect((await alice.responses.retrieve(answered.id)).conversation).toEqual({ id: conversation.id });
  });
});

describe('conversations (every endpoint)', () => {
  it('create with metadata and items, retrieve, update (POST), and delete', async () => {
    const created = await alice.conversations.create({ metadata: { a: '1' }, items: [user('one'), user('two')] });
    expect(created.metadata).toEqual({ a: '1' });
    expect(await alice.conversations.retrieve(created.id)).toEqual(created);
    const updated = await alice.conversations.update(created.id, { metadata: { b: '2' } });
    expect(updated).toEqual({ ...created, metadata: { b: '2' } });
    expect(await alice.conversations.retrieve(created.id)).toEqual(updated);
    expect(texts((await alice.conversations.items.list(created.id, { order: 'asc' })).data)).toEqual(['one', 'two']);
    await alice.conversations.delete(created.id);
    expect((await errorOf(() => alice.conversations.items.list(created.id))).status).toBe(404);
  });

  it('items: add (answers the created items), retrieve, delete (answers the conversation)', async () => {
    const { id } = await alice.conversations.create({ items: [user('first')] });
    const added = await alice.conversations.items.create(id, { items: [user('second'), { type: 'message', role: 'assistant', content: 'third' }] });
    expect(added.object).toBe('list');
    expect(texts(added.data)).toEqual(['second', 'third']);
    expect(added.data.map((item) => item.id)).toEqual([added.first_id, added.last_id]);
    expect(validateSchema('ConversationItemList', added)).toEqual([]);

    const one = await alice.conversations.items.retrieve(added.data[0]!.id!, { conversation_id: id });
    expect(one).toEqual(added.data[0]);
    expect(validateSchema('ConversationItem', one)).toEqual([]);

    const after = await alice.conversations.items.delete(added.data[0]!.id!, { conversation_id: id });
    expect(after).toEqual(await alice.conversations.retrieve(id));
    expect(texts((await alice.conversations.items.list(id, { order: 'asc' })).data)).toEqual(['first', 'third']);
    const gone = await errorOf(() => alice.conversations.items.retrieve(added.data[0]!.id!, { conversation_id: id }));
    expect(gone.status).toBe(404);
    expect((gone.error as JsonObject).param).toBe('item_id');
  });

  it('lists items in pages both ways (desc by default), with has_more, after, and the SDK auto-paginating', async () => {
    const words = Array.from({ length: 25 }, (_, i) => `w${i}`);
    const { id } = await alice.conversations.create({ items: words.slice(0, 20).map(user) });
    await alice.conversations.items.create(id, { items: words.slice(20).map(user) });

    const firstPage = await alice.conversations.items.list(id, { limit: 10 });
    expect(texts(firstPage.data)).toEqual(words.slice(15).reverse());
    expect(firstPage.has_more).toBe(true);
    const secondPage = await alice.conversations.items.list(id, { limit: 10, after: firstPage.last_id });
    expect(texts(secondPage.data)).toEqual(words.slice(5, 15).reverse());

    const ascending = await alice.conversations.items.list(id, { limit: 10, order: 'asc', after: firstPage.data.at(-1)!.id });
    expect(texts(ascending.data)).toEqual(words.slice(16, 25));
    expect(ascending.has_more).toBe(false);

    const all: string[] = [];
    for await (const item of alice.conversations.items.list(id, { limit: 7, order: 'asc' })) all.push(...texts([item]));
    expect(all).toEqual(words);
    const allDesc: string[] = [];
    for await (const item of alice.conversations.items.list(id, { limit: 4 })) allDesc.push(...texts([item]));
    expect(allDesc).toEqual([...words].reverse());
  });
});

describe('conversation items and their makers', () => {
  it('an item_reference added to a conversation becomes the stored item it names; an unknown one is a 404 naming it', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const earlier = await alice.responses.create({ model: 'gpt-4o', input: 'earlier' });
    const { id } = await alice.conversations.create();
    const added = await alice.conversations.items.create(id, { items: [{ type: 'item_reference', id: earlier.output[0]!.id! }] });
    expect(added.data).toEqual([expect.objectContaining({ id: earlier.output[0]!.id, type: 'message', role: 'assistant' })]);
    const unknown = await errorOf(() => alice.conversations.items.create(id, { items: [{ type: 'item_reference', id: 'msg_nowhere' }] }));
    expect([unknown.status, (unknown.error as JsonObject).param]).toEqual([404, 'items[0]']);
  });

  it('reasoning a client adds from a store: false output goes back only to the provider its blob names', async () => {
    const reasoning = { type: 'reasoning', id: 'rs_added', summary: [], encrypted_content: tagMaker('blob-made-by-openai', 'openai') };
    const { id } = await alice.conversations.create({ items: [user('think'), reasoning as never] });
    env.upstream.reply('/v1/responses', fixtureReply('xai/reasoning-summary-text.sse'));
    await alice.responses.create({ model: 'grok-code-fast-1', input: 'on xAI', conversation: id });
    const toXai = env.upstream.received.at(-1)!;
    expect(toXai.body).not.toContain('blob-made-by-openai');
    expect(upstreamInputTexts(toXai).slice(0, 1)).toEqual(['think']);

    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    await alice.responses.create({ model: 'gpt-4o', input: 'back on OpenAI', conversation: id });
    const toOpenai = (env.upstream.received.at(-1)!.json.input as JsonObject[]).filter((item) => item.type === 'reasoning');
    expect(toOpenai.map((item) => [item.id, item.encrypted_content])).toEqual([['rs_added', 'blob-made-by-openai']]);
  });
});

describe('conversations (validation: a 400 naming the field)', () => {
  const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  it.each([
    ['17 metadata pairs', { metadata: tooMany }, 'metadata'],
    ['a metadata key of 65 characters', { metadata: { ['k'.repeat(65)]: 'v' } }, `metadata.${'k'.repeat(65)}`],
    ['a metadata value of 513 characters', { metadata: { k: 'v'.repeat(513) } }, 'metadata.k'],
    ['a metadata value that is not a string', { metadata: { k: 1 } }, 'metadata.k'],
    ['21 items', { items: Array.from({ length: 21 }, (_, i) => user(`m${i}`)) }, 'items'],
    ['an item with neither type nor role', { items: [{ content: 'x' }] }, 'items[0]'],
  ])('create with %s', async (_label, body, param) => {
    const error = await errorOf(() => alice.conversations.create(body as OpenAI.Conversations.ConversationCreateParams));
    expect(error.status).toBe(400);
    expect((error.error as JsonObject).param).toBe(param);
  });

  it('update without metadata, and adding no or too many items', async () => {
    const { id } = await alice.conversations.create();
    const update = await errorOf(() => alice.conversations.update(id, {} as OpenAI.Conversations.ConversationUpdateParams));
    expect([update.status, (update.error as JsonObject).param]).toEqual([400, 'metadata']);
    const none = await errorOf(() => alice.conversations.items.create(id, { items: [] }));
    expect([none.status, (none.error as JsonObject).param]).toEqual([400, 'items']);
    const many = await errorOf(() => alice.conversations.items.create(id, { items: Array.from({ length: 21 }, (_, i) => user(`m${i}`)) }));
    expect([many.status, (many.error as JsonObject).param]).toEqual([400, 'items']);
  });

  it('conversation with previous_response_id is a 400 naming it', async () => {
    const { id } = await alice.conversations.create();
    const both = await errorOf(() => alice.responses.create({ model: 'gpt-4o', input: 'hi', conversation: id, previous_response_id: 'resp_x' }));
    expect([both.status, (both.error as JsonObject).param]).toEqual([400, 'conversation']);
  });
});

describe("another key's conversation", () => {
  it('is a 404 on every route, including `conversation` on POST /v1/responses', async () => {
    const { id } = await alice.conversations.create({ items: [user('private')] });
    const itemId = (await alice.conversations.items.list(id)).data[0]!.id!;
    const calls: [string, () => Promise<unknown>][] = [
      ['retrieve', () => bob.conversations.retrieve(id)],
      ['update', () => bob.conversations.update(id, { metadata: { x: 'y' } })],
      ['delete', () => bob.conversations.delete(id)],
      ['items.list', () => bob.conversations.items.list(id)],
      ['items.create', () => bob.conversations.items.create(id, { items: [user('intruder')] })],
      ['items.retrieve', () => bob.conversations.items.retrieve(itemId, { conversation_id: id })],
      ['items.delete', () => bob.conversations.items.delete(itemId, { conversation_id: id })],
      ['responses.create', () => bob.responses.create({ model: 'gpt-4o', input: 'hi', conversation: id })],
    ];
    const upstreamCalls = env.upstream.received.length;
    for (const [name, call] of calls) expect((await errorOf(call)).status, name).toBe(404);
    expect(env.upstream.received.length).toBe(upstreamCalls);
    const create = await errorOf(() => bob.responses.create({ model: 'gpt-4o', input: 'hi', conversation: { id } }));
    expect([create.status, (create.error as JsonObject).param]).toEqual([404, 'conversation']);
    // Nothing of Bob's reached it.
    expect(await alice.conversations.retrieve(id)).toMatchObject({ metadata: {} });
    expect(texts((await alice.conversations.items.list(id)).data)).toEqual(['private']);
  });
});

describe('responses in one conversation', () => {
  it('two at once each see the items committed before they started; each appends its input and output together, in the order they end', async () => {
    const { id } = await alice.conversations.create({ items: [user('before')] });
    const first = gate();
    const second = gate();
    // Two recorded answers with different texts, so that the order of what is appended shows.
    const held = (g: ReturnType<typeof gate>, fixture: string) => ({
      contentType: 'application/json',
      body: '',
      script: [g.promise, readFileSync(fixturePath(`openai/${fixture}`), 'utf8')],
    });
    env.upstream.reply('/v1/responses', held(first, 'create-text.json'), held(second, 'response-in-conversation.json'));
    const start = env.upstream.received.length;

    const a = alice.responses.create({ model: 'gpt-4o', input: 'from A', conversation: id });
    await vi.waitFor(() => expect(env.upstream.received.length).toBe(start + 1));
    const b = alice.responses.create({ model: 'gpt-4o', input: 'from B', conversation: id });
    await vi.waitFor(() => expect(env.upstream.received.length).toBe(start + 2));
    expect(upstreamInputTexts(env.upstream.received[start])).toEqual(['before', 'from A']);
    expect(upstreamInputTexts(env.upstream.received[start + 1])).toEqual(['before', 'from B']);

    // B ends first: its items come first.
    second.open();
    const answeredB = await b;
    first.open();
    const answeredA = await a;
    const items = await alice.conversations.items.list(id, { order: 'asc' });
    expect(texts(items.data)).toEqual(['before', 'from B', 'stored', 'from A', 'The capital of France is Paris.']);
    expect([items.data[2]!.id, items.data[4]!.id]).toEqual([answeredB.output[0]!.id, answeredA.output[0]!.id]);

    // A third turn sees both.
    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    await alice.responses.create({ model: 'gpt-4o', input: 'from C', conversation: id });
    expect(upstreamInputTexts()).toEqual(['before', 'from B', 'stored', 'from A', 'The capital of France is Paris.', 'from C']);
  });

  it('deleting a response leaves what it appended; deleting the conversation leaves the response', async () => {
    const { id } = await alice.conversations.create();
    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const response = await alice.responses.create({ model: 'gpt-4o', input: 'keep me', conversation: id });
    await alice.responses.delete(response.id);
    const items = await alice.conversations.items.list(id, { order: 'asc' });
    expect(texts(items.data)).toEqual(['keep me', 'stored']);
    expect(await alice.conversations.items.retrieve(response.output[0]!.id!, { conversation_id: id })).toMatchObject({ type: 'message', role: 'assistant' });

    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const next = await alice.responses.create({ model: 'gpt-4o', input: 'and me', conversation: id });
    await alice.conversations.delete(id);
    expect((await alice.responses.retrieve(next.id)).output_text).toBe('stored');
    expect((await alice.responses.inputItems.list(next.id)).data).toHaveLength(1);
  });

  it('a store: false response is not stored, but its input and output join the conversation (as the Agents SDK sends it)', async () => {
    const { id } = await alice.conversations.create();
    env.upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const response = await alice.responses.create({ model: 'gpt-4o', input: 'not stored', conversation: id, store: false });
    expect(response.conversation).toEqual({ id });
    expect((await errorOf(() => alice.responses.retrieve(response.id))).status).toBe(404);
    expect(texts((await alice.conversations.items.list(id, { order: 'asc' })).data)).toEqual(['not stored', 'stored']);
  });

  it('a background response appends its items when it ends', async () => {
    const { id } = await alice.conversations.create({ items: [user('queued after this')] });
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const queued = await alice.responses.create({ model: 'gpt-4o', input: 'in the background', conversation: id, background: true });
    expect(queued.conversation).toEqual({ id });
    await vi.waitFor(async () => expect((await alice.responses.retrieve(queued.id)).status).toBe('completed'));
    const items = await alice.conversations.items.list(id, { order: 'asc' });
    expect(texts(items.data)).toEqual(['queued after this', 'in the background', 'streamed']);
  });
});
