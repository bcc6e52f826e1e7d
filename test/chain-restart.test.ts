// A previous_response_id chain across a gateway restart: the state lives in the SQLite file, not in memory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixtureReply } from './support/mock-upstream.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

describe('a chain across a restart', () => {
  it('resolves turn 1 (stored before the restart) into turn 2, and GET/input_items still answer', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'));
    const turn1 = await postResponses(env.gateway.url, { model: 'gpt-5-nano', input: 'What is 12 + 7?', stream: true });
    expect(turn1.status).toBe(200);
    const first = turn1.events.at(-1)!.response as JsonObject;
    const [reasoning, call] = first.output as JsonObject[];
    expect(reasoning!.encrypted_content).toEqual(expect.any(String));

    const before = await getJson(env.gateway.url, `/v1/responses/${String(first.id)}`);
    expect(before.status).toBe(200);

    const oldUrl = env.gateway.url;
    env.gateway = await env.gateway.restart();
    const file = join(env.gateway.dir, 'junction.db');
    expect(existsSync(file)).toBe(true);
    // On disk: the row, its owner and the upstream's own id, read with a connection of our own.
    const sqlite = new SQLite(file, { readonly: true });
    try {
      const row = sqlite.prepare('SELECT owner, upstream_id FROM responses WHERE id = ?').get(first.id) as { owner: string; upstream_id: string } | undefined;
      expect(row).toEqual({ owner: 'alice', upstream_id: 'resp_01830d662ab3856501693c321345c88190b0de00f3b9975691' });
    } finally {
      sqlite.close();
    }
    // A new server: the old one no longer answers.
    await expect(fetch(`${oldUrl}/v1/models`)).rejects.toThrow();

    const after = await getJson(env.gateway.url, `/v1/responses/${String(first.id)}`);
    expect(after).toEqual(before);
    const items = await getJson(env.gateway.url, `/v1/responses/${String(first.id)}/input_items`);
    expect(items.status).toBe(200);
    expect(items.json.data).toEqual([expect.objectContaining({ type: 'message', role: 'user' })]);

    env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-loop-final-text.sse'));
    const output = { type: 'function_call_output', call_id: call!.call_id, output: '19' };
    const turn2 = await postResponses(env.gateway.url, { model: 'gpt-5-nano', previous_response_id: first.id, input: [output] });
    expect(turn2.status).toBe(200);
    expect(turn2.json!.previous_response_id).toBe(first.id);

    const sent = env.upstream.received.at(-1)!.json;
    expect(sent.input).toEqual([
      { type: 'message', role: 'user', content: 'What is 12 + 7?' },
      reasoning,
      call,
      output,
    ]);
    expect(sent).not.toHaveProperty('previous_response_id');

    // Bob cannot reach alice's chain after the restart either.
    const foreign = await postResponses(env.gateway.url, { model: 'gpt-5-nano', previous_response_id: turn2.json!.id, input: 'x' }, 'sk-test-bob');
    expect(foreign.status).toBe(404);
    expect((foreign.json!.error as JsonObject).code).toBe('previous_response_not_found');
  });
});

describe('a long chain with a restart in the middle', () => {
  it('sends every earlier input and output, oldest first, in turn 12', async () => {
    const TURNS = 12;
    let previous: unknown = undefined;
    for (let turn = 1; turn <= TURNS; turn++) {
      if (turn === 7) env.gateway = await env.gateway.restart();
      env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-loop-final-text.sse'));
      const res = await postResponses(env.gateway.url, { model: 'gpt-4o', input: `turn ${turn}`, ...(previous ? { previous_response_id: previous } : {}), stream: turn % 2 === 0 });
      expect(res.status).toBe(200);
      previous = ((res.json ?? res.events.at(-1)!.response) as JsonObject).id;
    }
    const input = env.upstream.received.at(-1)!.json.input as JsonObject[];
    expect(input).toHaveLength(2 * TURNS - 1);
    input.forEach((item, i) => {
      if (i % 2 === 0) expect(item).toEqual({ type: 'message', role: 'user', content: `turn ${i / 2 + 1}` });
      else expect(item).toMatchObject({ type: 'message', role: 'assistant' });
    });
  });
});
