// Every POST /v1/responses body that a real client sent (test/fixtures/clients/*.json, copied from shared/clients) is accepted verbatim and forwarded intact.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { postResponses } from './support/gateway-client.js';
import { openSse } from './support/sse-stream.js';
import { fixtureReply } from './support/mock-upstream.js';
import { clientsDir } from './support/fixture-dirs.js';
import { streamViolations } from './support/stream-invariants.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

interface CapturedRequest {
  label: string;
  method: string;
  path: string;
  body?: JsonObject;
}

const CASES = readdirSync(clientsDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) => {
    const { requests } = JSON.parse(readFileSync(join(clientsDir, file), 'utf8')) as { requests: CapturedRequest[] };
    return requests
      .map((request, index) => ({ file, index, label: request.label, request }))
      .filter(({ request }) => request.method === 'POST' && request.path === '/v1/responses' && request.body);
  });

/** Fields the gateway answers itself or rewrites; every other field must reach upstream exactly as sent. */
const GATEWAY_OWNED = new Set(['model', 'input', 'stream', 'stream_options', 'previous_response_id', 'conversation', 'background', 'include', 'max_output_tokens']);

type Expected = { status: 200 } | { status: 400 | 404; param: string; code?: string };

/**
 * What the gateway must answer: 200, or the documented 4xx naming the field whose state it does not have
 * (ids the capturing stub issued, a conversation), never a validation error about another field.
 */
function expectedFor(body: JsonObject): Expected {
  if (body.conversation) return { status: 404, param: 'conversation', code: 'conversation_not_found' };
  if (body.previous_response_id) return { status: 404, param: 'previous_response_id', code: 'previous_response_not_found' };
  const input = Array.isArray(body.input) ? (body.input as JsonObject[]) : [];
  const reference = input.findIndex((item) => item.type === 'item_reference');
  if (reference >= 0) return { status: 404, param: `input[${reference}]`, code: 'item_not_found' };
  return { status: 200 };
}

/** A recorded stream that fits the request: reasoning and a tool call, a tool call, or text. */
function replyFor(body: JsonObject) {
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  if (tools && (body.reasoning || String(body.model).startsWith('gpt-5'))) return fixtureReply('openai/reasoning-summary-function-call.sse');
  if (tools) return fixtureReply('openai/function-call-legacy-no-seq.sse');
  return fixtureReply('openai/function-call-loop-final-text.sse');
}

/**
 * The input as upstream must get it: whole, except reasoning replayed by id alone (the Agents SDK with
 * `store: false`), which neither the gateway nor upstream kept and OpenAI would answer 404 for: left out.
 */
function forwardable(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return (input as JsonObject[]).filter((item) => !(item.type === 'reasoning' && typeof item.id === 'string' && item.encrypted_content === undefined));
}

const env = useGatewayWithMock();

describe('the captured client bodies', () => {
  it('cover every client file and the traps the README names', () => {
    expect(new Set(CASES.map((c) => c.file))).toEqual(new Set(['agents.json', 'ai-sdk.json', 'codex.json', 'openai-sdk.json']));
    const bodies = CASES.map((c) => c.request.body!);
    expect(bodies.some((b) => b.client_metadata && b.prompt_cache_key)).toBe(true);
    expect(bodies.some((b) => (b.tools as JsonObject[] | undefined)?.some((t) => t.type === 'namespace'))).toBe(true);
    const inputs = bodies.flatMap((b) => (Array.isArray(b.input) ? (b.input as JsonObject[]) : []));
    expect(inputs.some((item) => item.type === 'item_reference')).toBe(true);
    expect(inputs.some((item) => item.type === 'reasoning' && typeof item.encrypted_content === 'string')).toBe(true);
    expect(inputs.some((item) => item.type === 'reasoning' && item.encrypted_content === undefined)).toBe(true);
  });
});

/** A captured body by file and label, with the fields named in `changes` replaced (the test name says "adapted"). */
function captured(file: string, label: string, changes: JsonObject = {}): JsonObject {
  const found = CASES.find((c) => c.file === file && c.label === label);
  if (!found) throw new Error(`${file}: no request labelled ${label}`);
  return { ...structuredClone(found.request.body!), ...changes };
}

describe('when the gateway has the state a captured body points at (ids adapted to the gateway\'s own)', () => {
  it("openai SDK: function tool turn 2 chains on turn 1's gateway id", async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/function-call-legacy-no-seq.sse'), fixtureReply('openai/function-call-loop-final-text.sse'));
    const turn1Body = captured('openai-sdk.json', 'function tool turn 1');
    const turn1 = await postResponses(env.gateway.url, turn1Body, 'sk-test-alice');
    expect(turn1.status).toBe(200);
    expect((turn1.json!.output as JsonObject[]).map((item) => item.type)).toContain('function_call');

    const turn2Body = captured('openai-sdk.json', 'function tool turn 2 (previous_response_id + function_call_output)', { previous_response_id: turn1.json!.id });
    const turn2 = await postResponses(env.gateway.url, turn2Body, 'sk-test-alice');
    expect(turn2.status).toBe(200);
    const sent = env.upstream.received.at(-1)!.json;
    expect(sent.input).toEqual([{ type: 'message', role: 'user', content: turn1Body.input }, ...(turn1.json!.output as JsonObject[]), ...(turn2Body.input as JsonObject[])]);
  });

  it('AI SDK: an item_reference to a stored reasoning item is replaced by that item, encrypted content included', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'), fixtureReply('openai/function-call-loop-final-text.sse'));
    const step1 = await postResponses(env.gateway.url, captured('ai-sdk.json', 'generateText reasoning model + tool (store default), step 1'), 'sk-test-alice');
    expect(step1.status).toBe(200);
    const reasoning = (step1.json!.output as JsonObject[])[0]!;
    expect(reasoning.type).toBe('reasoning');

    const step2Body = captured('ai-sdk.json', 'step 2: reasoning replayed as {type:"item_reference", id:"rs_…"}');
    const input = step2Body.input as JsonObject[];
    input[1] = { type: 'item_reference', id: reasoning.id };
    const step2 = await postResponses(env.gateway.url, step2Body, 'sk-test-alice');
    expect(step2.status).toBe(200);
    const sent = env.upstream.received.at(-1)!.json;
    expect(sent.input).toEqual([input[0], reasoning, input[2], input[3]]);

    // Someone else's reference stays unknown to them.
    const foreign = await postResponses(env.gateway.url, step2Body, 'sk-test-bob');
    expect(foreign.status).toBe(404);
    expect((foreign.json!.error as JsonObject).code).toBe('item_not_found');
  });

  it('Agents SDK: a reasoning item replayed by id without content gets its stored encrypted content back', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'), fixtureReply('openai/function-call-loop-final-text.sse'));
    const label = 'modelSettings {store:false, reasoning:{effort:low,summary:auto}, parallelToolCalls:false}: run() turn 1';
    const turn1 = await postResponses(env.gateway.url, captured('agents.json', label, { store: true }), 'sk-test-alice');
    expect(turn1.status).toBe(200);
    const reasoning = (turn1.json!.output as JsonObject[])[0]!;

    const turn2Label = 'modelSettings {store:false, reasoning:{effort:low,summary:auto}, parallelToolCalls:false}: run() turn 2: full history replay (function_call + function_call_output)';
    const turn2Body = captured('agents.json', turn2Label);
    const input = turn2Body.input as JsonObject[];
    expect(input[1]).not.toHaveProperty('encrypted_content');
    input[1] = { ...input[1], id: reasoning.id };
    const turn2 = await postResponses(env.gateway.url, turn2Body, 'sk-test-alice');
    expect(turn2.status).toBe(200);
    const sent = env.upstream.received.at(-1)!.json;
    expect((sent.input as JsonObject[])[1]).toEqual({ ...input[1], encrypted_content: reasoning.encrypted_content });
  });
});

describe.each(CASES)('$file #$index: $label', ({ request }) => {
  const body = request.body!;

  it('is accepted verbatim, and what upstream receives keeps every field the client sent', async () => {
    const expected = expectedFor(body);
    const before = env.upstream.received.length;
    if (expected.status === 200) env.upstream.reply('/v1/responses', replyFor(body));
    const res = await postResponses(env.gateway.url, body, 'sk-test-alice');

    if (expected.status !== 200) {
      expect({ status: res.status, param: (res.json?.error as JsonObject | undefined)?.param }).toEqual({ status: expected.status, param: expected.param });
      if (expected.code) expect((res.json!.error as JsonObject).code).toBe(expected.code);
      expect(env.upstream.received.length).toBe(before);
      return;
    }

    expect(res.status, JSON.stringify(res.json)).toBe(200);
    if (body.stream === true) {
      expect(res.contentType).toMatch(/^text\/event-stream/);
      expect(streamViolations(res.events)).toEqual([]);
      expect(res.events.at(-1)!.type).toBe('response.completed');
    } else if (body.background === true) {
      // Answered queued at once; the run calls upstream on its own, and its stream shows the end.
      expect(res.json).toMatchObject({ object: 'response', status: 'queued', background: true });
      const run = await openSse(`${env.gateway.url}/v1/responses/${String(res.json!.id)}?stream=true`, { headers: authHeaders('sk-test-alice') });
      expect((await run.rest()).at(-1)!.type).toBe('response.completed');
    } else {
      expect(res.json).toMatchObject({ object: 'response', status: 'completed' });
    }

    expect(env.upstream.received.length).toBe(before + 1);
    const sent = env.upstream.received.at(-1)!.json;
    expect(sent.model).toBe(env.gateway.config.models[String(body.model)]!.model);
    expect(sent.input).toEqual(forwardable(body.input));
    // A streaming client (and a background run) is streamed from upstream; a non-streaming one gets upstream's one JSON body.
    expect(sent.stream).toBe(body.stream === true || body.background === true);
    for (const [key, value] of Object.entries(body)) {
      if (!GATEWAY_OWNED.has(key)) expect({ [key]: sent[key] }).toEqual({ [key]: value });
    }
    for (const wanted of (body.include as string[] | undefined) ?? []) expect(sent.include).toContain(wanted);
    for (const key of ['previous_response_id', 'conversation', 'background']) expect(sent).not.toHaveProperty(key);
  });
});
