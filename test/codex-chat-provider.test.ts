// The captured Codex CLI bodies through Chat Completions providers: namespace, custom and hosted tools carried there and back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { clientsDir } from './support/fixture-dirs.js';
import { postResponses } from './support/gateway-client.js';
import type { Reply } from './support/mock-upstream.js';
import { streamViolations } from './support/stream-invariants.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock({
  models: {
    'gpt-5-codex': { provider: 'openrouter', model: 'openai/gpt-5-codex' },
    'codex-local': { provider: 'local', model: 'served-model' },
  },
});

const { requests } = JSON.parse(readFileSync(join(clientsDir, 'codex.json'), 'utf8')) as { requests: { body?: JsonObject }[] };
/** Turn 1 (developer + user messages) and a later turn replaying reasoning, a function call and its output. */
const turn1 = requests[0]!.body!;
const turnWithHistory = requests[2]!.body!;

/** A hand-written (synthetic) Chat stream: one tool call, then finish_reason tool_calls and usage. */
function chatToolCallReply(name: string, args: string): Reply {
  const chunk = (delta: JsonObject, finish: string | null = null, extra: JsonObject = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', model: 'served', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  const body = [
    chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_up_1', type: 'function', function: { name, arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] }),
    chunk({}, 'tool_calls'),
    `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })}\n\n`,
    'data: [DONE]\n\n',
  ].join('');
  return { body, contentType: 'text/event-stream' };
}

function toolNames(sent: JsonObject): string[] {
  return ((sent.tools ?? []) as { type: string; function: { name: string } }[]).map((tool) => `${tool.type}:${tool.function.name}`);
}

function doneItems(events: JsonObject[]): JsonObject[] {
  return events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item as JsonObject);
}

describe('Codex through a Chat Completions provider', () => {
  it('synthetic reply: the captured turn-1 body reaches OpenRouter with its namespace flattened, and a namespaced call comes back', async () => {
    env.upstream.reply('/v1/chat/completions', chatToolCallReply('multi_agent_v1__spawn_agent', '{"message":"hi"}'));
    const res = await postResponses(env.gateway.url, turn1, 'sk-test-alice');
    expect(res.status, JSON.stringify(res.json)).toBe(200);

    const sent = env.upstream.received.at(-1)!.json;
    const names = toolNames(sent);
    const namespace = (turn1.tools as JsonObject[]).find((tool) => tool.type === 'namespace')!;
    for (const inner of namespace.tools as JsonObject[]) expect(names).toContain(`function:multi_agent_v1__${String(inner.name)}`);
    expect(names).toContain('function:exec_command');
    // web_search with external_web_access:false is cached-only: never OpenRouter's live web plugin.
    expect(sent).not.toHaveProperty('plugins');
    expect(sent.tool_choice).toBe('auto');
    expect(sent.parallel_tool_calls).toBe(true);

    expect(streamViolations(res.events)).toEqual([]);
    expect(res.events.at(-1)!.type).toBe('response.completed');
    const [call] = doneItems(res.events);
    expect(call).toMatchObject({ type: 'function_call', namespace: 'multi_agent_v1', name: 'spawn_agent', call_id: 'call_up_1', arguments: '{"message":"hi"}' });
    const completed = res.events.at(-1)!.response as JsonObject;
    expect(completed.output).toEqual([call]);
  });

  it('synthetic reply, adapted body (a custom apply_patch tool and custom/namespaced calls in the history, as Codex sends for models it knows)', async () => {
    const body: JsonObject = structuredClone({ ...turnWithHistory, model: 'codex-local' });
    (body.tools as JsonObject[]).push({
      type: 'custom',
      name: 'apply_patch',
      description: 'Use the `apply_patch` tool to edit files.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' },
    });
    (body.input as JsonObject[]).push(
      { type: 'function_call', call_id: 'call_ns', namespace: 'multi_agent_v1', name: 'wait_agent', arguments: '{"targets":["a"]}' },
      { type: 'function_call_output', call_id: 'call_ns', output: 'finished' },
      { type: 'custom_tool_call', call_id: 'call_ctc', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_ctc', output: 'Success.' },
    );
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch';
    env.upstream.reply('/v1/chat/completions', chatToolCallReply('apply_patch', JSON.stringify({ input: patch })));
    const res = await postResponses(env.gateway.url, body, 'sk-test-alice');
    expect(res.status, JSON.stringify(res.json)).toBe(200);

    const sent = env.upstream.received.at(-1)!.json;
    expect(toolNames(sent)).toContain('function:apply_patch');
    expect((sent.tools as JsonObject[]).every((tool) => tool.type === 'function')).toBe(true);
    const messages = sent.messages as JsonObject[];
    expect(messages.slice(-4)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_ns', type: 'function', function: { name: 'multi_agent_v1__wait_agent', arguments: '{"targets":["a"]}' } }],
      },
      { role: 'tool', tool_call_id: 'call_ns', content: 'finished' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_ctc', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) } }],
      },
      { role: 'tool', tool_call_id: 'call_ctc', content: 'Success.' },
    ]);

    expect(streamViolations(res.events)).toEqual([]);
    expect(res.events.at(-1)!.type).toBe('response.completed');
    const [call] = doneItems(res.events);
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_up_1', input: patch, status: 'completed' });
    expect(String(call!.id)).toMatch(/^ctc_/);
    const inputDone = res.events.find((event) => event.type === 'response.custom_tool_call_input.done')!;
    expect(inputDone).toMatchObject({ item_id: call!.id, input: patch });
  });

  it('synthetic reply, adapted body (Codex\'s client tool_search and a search already run): loaded tools sent, a new search call comes back', async () => {
    const namespace = (turn1.tools as JsonObject[]).find((tool) => tool.type === 'namespace')!;
    const body: JsonObject = structuredClone({ ...turn1, model: 'codex-local' });
    body.tools = [
      ...(body.tools as JsonObject[]).filter((tool) => tool.type !== 'namespace'),
      { type: 'tool_search', execution: 'client', description: 'Search deferred tools.', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
    ];
    (body.input as JsonObject[]).push(
      { type: 'tool_search_call', call_id: 'call_s1', execution: 'client', arguments: { query: 'agents' }, status: 'completed' },
      { type: 'tool_search_output', call_id: 'call_s1', execution: 'client', status: 'completed', tools: [namespace] },
    );
    env.upstream.reply('/v1/chat/completions', chatToolCallReply('tool_search', '{"query":"calendar"}'));
    const res = await postResponses(env.gateway.url, body, 'sk-test-alice');
    expect(res.status, JSON.stringify(res.json)).toBe(200);

    const sent = env.upstream.received.at(-1)!.json;
    expect(toolNames(sent)).toEqual(expect.arrayContaining(['function:tool_search', 'function:multi_agent_v1__spawn_agent']));
    expect((sent.messages as JsonObject[]).slice(-2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_s1', type: 'function', function: { name: 'tool_search', arguments: '{"query":"agents"}' } }] },
      { role: 'tool', tool_call_id: 'call_s1', content: expect.stringContaining('multi_agent_v1__spawn_agent') },
    ]);
    expect(streamViolations(res.events)).toEqual([]);
    const [call] = doneItems(res.events);
    expect(call).toMatchObject({ type: 'tool_search_call', call_id: 'call_up_1', execution: 'client', arguments: { query: 'calendar' }, status: 'completed' });
    expect(String(call!.id)).toMatch(/^tsc_/);
  });

  it('synthetic reply: a stored custom_tool_call chains by previous_response_id, its output sent back as the tool message', async () => {
    const tools = [{ type: 'custom', name: 'apply_patch', description: 'Edit files.' }];
    env.upstream.reply('/v1/chat/completions', chatToolCallReply('apply_patch', JSON.stringify({ input: '*** Begin Patch' })));
    const first = await postResponses(env.gateway.url, { model: 'codex-local', input: 'Patch it.', tools }, 'sk-test-alice');
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const [call] = first.json!.output as JsonObject[];
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: 'call_up_1' });

    env.upstream.reply('/v1/chat/completions', chatToolCallReply('apply_patch', '{"input":"again"}'));
    const output = { type: 'custom_tool_call_output', call_id: call!.call_id, output: 'Applied.' };
    const second = await postResponses(env.gateway.url, { model: 'codex-local', previous_response_id: first.json!.id, input: [output], tools }, 'sk-test-alice');
    expect(second.status, JSON.stringify(second.json)).toBe(200);
    expect(env.upstream.received.at(-1)!.json.messages).toEqual([
      { role: 'user', content: 'Patch it.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_up_1', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } }] },
      { role: 'tool', tool_call_id: 'call_up_1', content: 'Applied.' },
    ]);
  });

  it('a hosted tool forced by tool_choice is still refused with a 400 naming tool_choice, before any upstream call', async () => {
    const before = env.upstream.received.length;
    const res = await postResponses(env.gateway.url, { ...turn1, tool_choice: { type: 'web_search' }, model: 'codex-local' }, 'sk-test-alice');
    expect(res.status).toBe(400);
    expect(res.json!.error).toMatchObject({ param: 'tool_choice', code: 'unsupported_parameter' });
    expect(env.upstream.received.length).toBe(before);
  });
});
