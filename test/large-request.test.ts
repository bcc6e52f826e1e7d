// A large request (thousands of items, megabytes: a long Codex history) takes the sliced paths: decoded as it arrives, resolved, serialised and stored in slices; what goes upstream and what is stored is exactly what was sent.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { postResponses } from './support/gateway-client.js';
import { fixtureReply } from './support/mock-upstream.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

/** Past every slicing threshold: more than 2,000 items and 4 MB, with characters of 2, 3 and 4 UTF-8 bytes that socket chunks cut anywhere. */
function longHistory(items: number): JsonObject[] {
  const text = (i: number) => `turn ${i}: é漢😀 `.repeat(100);
  return Array.from({ length: items }, (_, i) =>
    i % 2 === 0
      ? { type: 'message', role: 'user', content: [{ type: 'input_text', text: text(i) }] }
      : { type: 'function_call_output', call_id: `call_${i}`, output: text(i) },
  );
}

function stored(responseId: string) {
  const db = new SQLite(join(env.gateway.dir, 'junction.db'), { readonly: true });
  try {
    const items = db.prepare("SELECT item_json FROM items WHERE response_id = ? AND direction = 'input' ORDER BY position").all(responseId) as { item_json: string }[];
    const exchange = db.prepare('SELECT request_body FROM upstream_exchanges WHERE response_id = ?').get(responseId) as { request_body: string } | undefined;
    return { items: items.map((row) => JSON.parse(row.item_json) as JsonObject), requestBody: exchange?.request_body };
  } finally {
    db.close();
  }
}

describe('a large request', () => {
  const input = longHistory(2500);

  it('reaches a Responses upstream whole, and is stored whole: its items and the exact request sent', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'));
    const body = { model: 'gpt-4o', input, instructions: 'be brief', temperature: 0.5 };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(4 * 1024 * 1024);
    const res = await postResponses(env.gateway.url, body);
    expect(res.status).toBe(200);

    const sent = env.upstream.received.at(-1)!;
    expect(sent.json.input).toEqual(input);
    expect(sent.json).toMatchObject({ model: 'gpt-4o', instructions: 'be brief', temperature: 0.5 });
    const { items, requestBody } = stored(String(res.json!.id));
    expect(items).toHaveLength(input.length);
    expect(items.map(({ id: _id, ...item }) => item)).toEqual(input);
    expect(requestBody).toBe(sent.body);
  });

  it('reaches a Chat Completions upstream whole, as messages', async () => {
    env.upstream.reply('/v1/chat/completions', fixtureReply('openrouter/chat-text.sse'));
    const res = await postResponses(env.gateway.url, { model: 'openrouter/some/model', input, stream: true });
    expect(res.status).toBe(200);
    expect(res.events.at(-1)!.type).toBe('response.completed');
    const messages = env.upstream.received.at(-1)!.json.messages as JsonObject[];
    expect(messages).toHaveLength(input.length);
    expect(messages[0]).toMatchObject({ role: 'user' });
    expect(JSON.stringify(messages[0])).toContain('turn 0: é漢😀 ');
    expect(messages[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    const { items, requestBody } = stored(String((res.events.at(-1)!.response as JsonObject).id));
    expect(items).toHaveLength(input.length);
    expect(requestBody).toBe(env.upstream.received.at(-1)!.body);
  });
});
