// Reasoning made by one provider reaches no other: provider A → provider B over every path state takes, streamed and not, asserting the body B received.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { untagItem } from '../transformers/maker-tag.js';
import type { JsonObject, ResponseItem } from '../transformers/responses-types.js';
import { postResponses, type SseResult } from './support/gateway-client.js';
import { fixtureReply } from './support/mock-upstream.js';
import { startTestGateway, useGatewayWithMock, type GatewayWithMock } from './support/test-gateway.js';

type ProviderName = 'openai' | 'xai' | 'openrouter';

interface Maker {
  model: string;
  path: '/v1/responses' | '/v1/chat/completions';
  /** A recorded turn that produces reasoning (xAI's carries a summary and no encrypted content). */
  reasoning: string;
  /** A recorded plain answer, for the turn that replays it. */
  answer: string;
}

const PROVIDERS: Record<ProviderName, Maker> = {
  openai: { model: 'gpt-5-nano', path: '/v1/responses', reasoning: 'openai/reasoning-summary-function-call.sse', answer: 'openai/function-call-loop-final-text.sse' },
  xai: { model: 'grok-code-fast-1', path: '/v1/responses', reasoning: 'xai/reasoning-summary-text.sse', answer: 'xai/reasoning-summary-text.sse' },
  openrouter: { model: 'openrouter/anthropic/claude-sonnet-4.5', path: '/v1/chat/completions', reasoning: 'openrouter/chat-reasoning-anthropic.sse', answer: 'openrouter/chat-text.sse' },
};
const NAMES = Object.keys(PROVIDERS) as ProviderName[];

const env = useGatewayWithMock();

const QUESTION = { type: 'message', role: 'user', content: 'think' };
const FOLLOW_UP = { type: 'message', role: 'user', content: 'and then?' };

/** The final response of a turn, streamed or not. */
function finalOf(result: SseResult): JsonObject {
  expect(result.status, JSON.stringify(result.json)).toBe(200);
  const response = result.json ?? (result.events.at(-1)!.response as JsonObject);
  expect(response.status).toBe('completed');
  return response;
}

async function turn(env: GatewayWithMock, maker: ProviderName, fixture: 'reasoning' | 'answer', body: JsonObject, stream: boolean, key?: string): Promise<JsonObject> {
  const { model, path } = PROVIDERS[maker];
  env.upstream.reply(path, fixtureReply(PROVIDERS[maker][fixture]));
  return finalOf(await postResponses(env.gateway.url, { model, reasoning: { effort: 'low', summary: 'auto' }, ...body, stream }, key));
}

/** The reasoning a turn produced, as the client got it. */
function reasoningOf(response: JsonObject): JsonObject {
  const reasoning = (response.output as JsonObject[]).find((item) => item.type === 'reasoning');
  expect(reasoning, 'the recorded turn produces reasoning').toBeDefined();
  return reasoning!;
}

/** How a client replays turn 1 to the next turn: the paths by which an earlier item comes back. */
const PATHS = {
  previous_response_id: (first: JsonObject) => ({ previous_response_id: first.id, input: [FOLLOW_UP] }),
  item_reference: (first: JsonObject) => ({
    input: [QUESTION, ...(first.output as JsonObject[]).map((item) => ({ type: 'item_reference', id: item.id })), FOLLOW_UP],
  }),
  'by value': (first: JsonObject) => ({ input: [QUESTION, ...(first.output as JsonObject[]), FOLLOW_UP] }),
  // The Agents SDK: the reasoning item's id and summary, no encrypted content.
  'by id without content': (first: JsonObject) => ({
    input: [QUESTION, ...(first.output as JsonObject[]).map((item) => (item.type === 'reasoning' ? { type: 'reasoning', id: item.id, summary: item.summary } : item)), FOLLOW_UP],
  }),
} satisfies Record<string, (first: JsonObject) => JsonObject>;

/** What of A's reasoning B's upstream body carried: Responses reasoning items, or Chat `reasoning_details`. */
function reasoningSent(to: ProviderName): JsonObject[] {
  const sent = env.upstream.received.at(-1)!;
  expect(sent.path).toBe(PROVIDERS[to].path);
  if (to === 'openrouter') return (sent.json.messages as JsonObject[]).filter((m) => m.reasoning_details !== undefined);
  return (sent.json.input as JsonObject[]).filter((item) => item.type === 'reasoning' || item.encrypted_content !== undefined);
}

function storedWarnings(responseId: unknown, dir = env.gateway.dir): { param: string; message: string }[] {
  const db = new SQLite(join(dir, 'junction.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT warnings_json FROM upstream_exchanges WHERE response_id = ?').get(responseId) as { warnings_json: string } | undefined;
    return JSON.parse(row?.warnings_json ?? '[]') as { param: string; message: string }[];
  } finally {
    db.close();
  }
}

/** B received A's reasoning when A is B, and none of it otherwise; the turn succeeded and said what it left out. */
function expectReasoningOnlyToItsMaker(from: ProviderName, to: ProviderName, reasoning: JsonObject, second: JsonObject): void {
  const sent = reasoningSent(to);
  const warned = storedWarnings(second.id).filter((w) => w.message.includes(String(reasoning.id)));
  if (from !== to) {
    expect(sent).toEqual([]);
    expect(warned.length, JSON.stringify(storedWarnings(second.id))).toBeGreaterThan(0);
    expect(warned[0]!.message).toContain(`made by provider "${from}"`);
    return;
  }
  expect(sent.length).toBeGreaterThan(0);
  expect(warned).toEqual([]);
  if (to === 'openrouter') return;
  // A Responses provider gets its own item back, its encrypted content restored when the client left it out.
  const item = sent.find((i) => i.id === reasoning.id)!;
  expect(item).toBeDefined();
  expect(item.encrypted_content).toEqual(reasoning.encrypted_content);
}

describe.each([false, true])('stream: %s', (stream) => {
  describe.each(NAMES)('reasoning made by %s', (from) => {
    describe.each(NAMES)('replayed to %s', (to) => {
      it.each(Object.keys(PATHS) as (keyof typeof PATHS)[])('through %s', async (path) => {
        const first = await turn(env, from, 'reasoning', { input: [QUESTION] }, stream);
        const reasoning = reasoningOf(first);
        const second = await turn(env, to, 'answer', PATHS[path](first), stream);
        expectReasoningOnlyToItsMaker(from, to, reasoning, second);
      });

      it('through an input copy stored with an earlier turn, then its chain', async () => {
        const first = await turn(env, from, 'reasoning', { input: [QUESTION] }, stream);
        const reasoning = reasoningOf(first);
        // Turn 2 on the maker replays turn 1 by value: the copy is stored as turn 2's input.
        const second = await turn(env, from, 'answer', PATHS['by value'](first), stream);
        const third = await turn(env, to, 'answer', { previous_response_id: second.id, input: [FOLLOW_UP] }, stream);
        expectReasoningOnlyToItsMaker(from, to, reasoning, third);
      });
    });
  });
});

describe('reasoning whose maker the gateway did not store (a `store: false` turn replayed by value)', () => {
  it.each([false, true])('is recognised by the maker its blob names, and reaches no other provider (stream: %s)', async (stream) => {
    const first = await turn(env, 'openrouter', 'reasoning', { input: [QUESTION], store: false }, stream);
    const reasoning = reasoningOf(first);
    for (const to of ['openai', 'xai'] as const) {
      const second = await turn(env, to, 'answer', PATHS['by value'](first), stream);
      expect(reasoningSent(to)).toEqual([]);
      expect(storedWarnings(second.id)).toContainEqual({
        param: 'input[1]',
        message: `reasoning item ${String(reasoning.id)} made by provider "openrouter": not sent to provider "${to}", which could not use it.`,
      });
    }
    await turn(env, 'openrouter', 'answer', PATHS['by value'](first), stream);
    expect(reasoningSent('openrouter')).toHaveLength(1);
  });

  it('is stored as made by the provider it was sent to, so a later chain replays it there and nowhere else', async () => {
    const made = await turn(env, 'openai', 'reasoning', { input: [QUESTION], store: false }, false);
    // An id the gateway never stored (the recording's own is stored by the other tests).
    const first = { ...made, output: (made.output as JsonObject[]).map((item) => (item.type === 'reasoning' ? { ...item, id: 'rs_never_stored_here' } : item)) };
    const reasoning = reasoningOf(first);
    // The client's copy names its maker; upstream gets the blob as the maker made it.
    const { item: asMade, maker } = untagItem(reasoning as ResponseItem);
    expect(maker).toBe('openai');
    const second = await turn(env, 'openai', 'answer', PATHS['by value'](first), false);
    expect(reasoningSent('openai')).toEqual([asMade]);

    const elsewhere = await turn(env, 'xai', 'answer', { previous_response_id: second.id, input: [FOLLOW_UP] }, false);
    expect(reasoningSent('xai')).toEqual([]);
    expect(storedWarnings(elsewhere.id).map((w) => w.message)).toContainEqual(expect.stringContaining(`${String(reasoning.id)} made by provider "openai"`));
    await turn(env, 'openai', 'answer', { previous_response_id: second.id, input: [FOLLOW_UP] }, false);
    expect(reasoningSent('openai')).toEqual([asMade]);
  });
});

describe('reasoning replayed by id alone that the gateway never stored (the Agents SDK with `store: false`)', () => {
  it.each(NAMES)('is left out with a warning, and the turn on %s completes', async (to) => {
    // Bob's own store: the recorded ids are stored for Alice by the other tests.
    const first = await turn(env, 'openai', 'reasoning', { input: [QUESTION], store: false }, false, 'sk-test-bob');
    const reasoning = reasoningOf(first);
    const second = await turn(env, to, 'answer', PATHS['by id without content'](first), false, 'sk-test-bob');
    expect(reasoningSent(to)).toEqual([]);
    expect(storedWarnings(second.id)).toContainEqual({
      param: 'input[1]',
      message: `reasoning item ${String(reasoning.id)} has no encrypted content and was never stored (a \`store: false\` turn): not sent to provider "${to}", which could not use it.`,
    });
    // Stored as the client sent it, it stays out of the chain that follows.
    const third = await turn(env, to, 'answer', { previous_response_id: second.id, input: [FOLLOW_UP] }, false, 'sk-test-bob');
    expect(env.upstream.received.at(-1)!.body).not.toContain(String(reasoning.id));
    expect(storedWarnings(third.id)).toContainEqual(expect.objectContaining({ param: 'previous_response_id', message: expect.stringContaining(String(reasoning.id)) }));
  });
});

describe('"the same provider" is the configured provider', () => {
  it("a second OpenAI-type provider (another key or base URL) does not get the first one's reasoning", async () => {
    const provider = { type: 'openai-responses', base_url: env.upstream.url };
    const gateway = await startTestGateway(env.upstream.url, {
      providers: { openai: { ...provider, api_key: 'sk-org-one' }, 'openai-eu': { ...provider, api_key: 'sk-org-two' } },
      models: { 'gpt-5-nano': { provider: 'openai', model: 'gpt-5-nano' } },
    });
    try {
      const both = { upstream: env.upstream, gateway };
      const first = await turn(both, 'openai', 'reasoning', { input: [QUESTION] }, true);
      const reasoning = reasoningOf(first);
      const second = await turn(both, 'openai', 'answer', { ...PATHS['by value'](first), model: 'openai-eu/gpt-5-nano' }, true);
      expect(reasoningSent('openai')).toEqual([]);
      expect(storedWarnings(second.id, gateway.dir).map((w) => w.message)).toContainEqual(expect.stringContaining(`${String(reasoning.id)} made by provider "openai"`));
    } finally {
      await gateway.close();
    }
  });
});
