// Cases no recording covers, as small hand-written (synthetic) chunk lists; every stream is also checked for well-formedness.
import { describe, expect, it } from 'vitest';
import type { JsonObject, ResponsesEvent } from '../responses-types.js';
import { checkEventInvariants, foldWithOpenAiSdk } from './check-event-invariants.test-support.js';
import { convertChunks, counterIds } from './chat-fixtures.test-support.js';
import { createChatStreamConverter } from './chat-stream-to-events.js';
import type { ChatToolCalls } from './chat-tool-calls.js';
import { decodeReasoningDetails } from './reasoning-details-codec.js';

function chunk(delta: JsonObject, finishReason: string | null = null, extra: JsonObject = {}): JsonObject {
  return { id: 'chatcmpl-1', model: 'test-model', choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra };
}

const usageChunk = {
  id: 'chatcmpl-1',
  model: 'test-model',
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
};

function convert(chunks: unknown[], mode: 'summary' | 'text' = 'summary', toolCalls?: ChatToolCalls) {
  const events = convertChunks(chunks, mode, false, toolCalls);
  const checked = checkEventInvariants(events);
  expect(foldWithOpenAiSdk(events)).toEqual(checked.items);
  return { events, ...checked, response: checked.terminal.response as JsonObject };
}

function ofType(events: ResponsesEvent[], type: string): ResponsesEvent[] {
  return events.filter((event) => event.type === type);
}

describe('createChatStreamConverter (synthetic streams)', () => {
  it('synthetic: two parallel tool calls with interleaved fragments become two sequential items', () => {
    const { items, response } = convert([
      chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'one', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'two', arguments: '{"b"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: ':2}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
      usageChunk,
    ]);
    expect(items).toEqual([
      { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_a', name: 'one', arguments: '{"a":1}' },
      { id: 'fc_2', type: 'function_call', status: 'completed', call_id: 'call_b', name: 'two', arguments: '{"b":2}' },
    ]);
    expect(response.status).toBe('completed');
  });

  it('synthetic: parallel calls that all say index 0 are told apart by their ids', () => {
    const { items } = convert([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'one', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_b', function: { name: 'two', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(items.map((item) => item.call_id)).toEqual(['call_a', 'call_b']);
  });

  it('synthetic: a call with no arguments gets "{}", and one with no upstream id uses its item id', () => {
    const { events, items } = convert([chunk({ tool_calls: [{ function: { name: 'ping' } }] }), chunk({}, 'tool_calls')]);
    expect(items[0]).toMatchObject({ id: 'fc_1', call_id: 'fc_1', name: 'ping', arguments: '{}' });
    expect(ofType(events, 'response.function_call_arguments.delta').map((event) => event.delta)).toEqual(['{}']);
    expect(ofType(events, 'response.function_call_arguments.done')[0]).toMatchObject({ name: 'ping', arguments: '{}' });
  });

  it('synthetic: text before a tool call is its own message, closed before the call opens', () => {
    const { items } = convert([
      chunk({ content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'look', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(items.map((item) => item.type)).toEqual(['message', 'function_call']);
  });

  it('synthetic: text after a tool call waits for the call to close, then follows it', () => {
    const { events, items } = convert([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'look', arguments: '{"q":' } }] }),
      chunk({ content: 'Done.' }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(items.map((item) => item.type)).toEqual(['function_call', 'message']);
    expect(items[0].arguments).toBe('{"q":1}');
    expect(ofType(events, 'response.output_text.delta').map((event) => event.delta)).toEqual(['Done.']);
  });

  it('synthetic: content_filter ends incomplete with reason content_filter', () => {
    const { items, response } = convert([chunk({ content: 'Some' }), chunk({}, 'content_filter'), usageChunk]);
    expect(items[0].status).toBe('incomplete');
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null });
  });

  it('synthetic: length ends incomplete (max_output_tokens); the finished reasoning item stays completed', () => {
    const { items, response, terminal } = convert([
      chunk({ reasoning_content: 'Thinking.' }),
      chunk({ content: 'Partial' }),
      chunk({}, 'length'),
      chunk({}, 'length'),
    ]);
    expect(terminal.type).toBe('response.incomplete');
    expect(items.map((item) => [item.type, item.status])).toEqual([
      ['reasoning', 'completed'],
      ['message', 'incomplete'],
    ]);
    expect(response).toMatchObject({ incomplete_details: { reason: 'max_output_tokens' }, usage: null });
  });

  it('synthetic: vLLM/DeepSeek reasoning_content becomes a reasoning item, in text mode as reasoning_text', () => {
    const { events, items } = convert(
      [chunk({ reasoning_content: 'Step 1. ' }), chunk({ reasoning_content: 'Step 2.' }), chunk({ content: 'Answer' }, 'stop')],
      'text',
    );
    expect(items[0]).toEqual({
      id: 'rs_1',
      type: 'reasoning',
      status: 'completed',
      summary: [],
      content: [{ type: 'reasoning_text', text: 'Step 1. Step 2.' }],
    });
    expect(ofType(events, 'response.reasoning_text.delta')).toHaveLength(2);
  });

  it('synthetic: a chunk carrying reasoning and content loses neither', () => {
    const { items } = convert([chunk({ reasoning: 'Because.', content: 'Yes.' }, 'stop')]);
    expect(items.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(items[0].summary).toEqual([{ type: 'summary_text', text: 'Because.' }]);
  });

  it('synthetic: encrypted-only reasoning (OpenAI o-series via OpenRouter) is an item with no summary events', () => {
    const encrypted = { type: 'reasoning.encrypted', data: 'gAAAA', id: 'rs_up', format: 'openai-responses-v1', index: 0 };
    const { events, items } = convert([
      chunk({ reasoning: null, reasoning_details: [encrypted] }),
      chunk({ content: 'Hi' }, 'stop'),
    ]);
    expect(items[0]).toMatchObject({ type: 'reasoning', summary: [] });
    expect(decodeReasoningDetails(String(items[0].encrypted_content))).toEqual([encrypted]);
    expect(events.some((event) => event.type.startsWith('response.reasoning_summary'))).toBe(false);
  });

  it('synthetic: details that arrive mid-message do not split it; they become a trailing reasoning item', () => {
    const late = { type: 'reasoning.encrypted', data: 'sig', format: 'google-gemini-v1', index: 1 };
    const { items } = convert([
      chunk({ content: 'Hello ' }),
      chunk({ content: '', reasoning_details: [late] }),
      chunk({ content: 'world' }, 'stop'),
    ]);
    expect(items.map((item) => item.type)).toEqual(['message', 'reasoning']);
    expect((items[0].content as JsonObject[])[0].text).toBe('Hello world');
    expect(decodeReasoningDetails(String(items[1].encrypted_content))).toEqual([late]);
  });

  it("synthetic: OpenRouter's nested url_citation annotations become flat ones, with annotation.added", () => {
    const annotation = {
      type: 'url_citation',
      url_citation: { url: 'https://example.com', title: 'Example', start_index: 0, end_index: 4, content: 'page text' },
    };
    const { events, items } = convert([chunk({ content: 'Text' }), chunk({ annotations: [annotation] }, 'stop')]);
    const flat = { type: 'url_citation', url: 'https://example.com', title: 'Example', start_index: 0, end_index: 4 };
    expect(ofType(events, 'response.output_text.annotation.added')[0]).toMatchObject({ annotation_index: 0, annotation: flat });
    expect((items[0].content as JsonObject[])[0].annotations).toEqual([flat]);
  });

  it('synthetic: a refusal becomes a refusal part with refusal events', () => {
    const { events, items } = convert([chunk({ refusal: "I can't " }), chunk({ refusal: 'help.' }, 'stop')]);
    expect((items[0].content as JsonObject[])[0]).toEqual({ type: 'refusal', refusal: "I can't help." });
    expect(ofType(events, 'response.refusal.done')[0]).toMatchObject({ refusal: "I can't help." });
  });

  it('synthetic: logprobs from the choice ride on the text deltas and the done part', () => {
    const logprob = { token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [] };
    const withLogprobs = { id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: { content: [logprob] } }] };
    const { events, items } = convert([withLogprobs, chunk({}, 'stop')]);
    expect(ofType(events, 'response.output_text.delta')[0].logprobs).toEqual([logprob]);
    expect((items[0].content as JsonObject[])[0].logprobs).toEqual([logprob]);
  });

  it('synthetic: finish_reason error ends failed, with an error event first', () => {
    const { events, response } = convert([chunk({ content: 'x' }), chunk({}, 'error')]);
    expect(events.at(-2)).toMatchObject({ type: 'error', error: { type: 'upstream_error', code: 'server_error' } });
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
  });

  it('synthetic: a stream cut before any finish_reason fails, saying so, and closes the open item incomplete', () => {
    const { items, response } = convert([chunk({ content: 'Half a sent' })]);
    expect(items[0].status).toBe('incomplete');
    expect(response.status).toBe('failed');
    expect(String((response.error as JsonObject).message)).toContain('ended before a finish_reason');
  });

  it('synthetic: finish_reason before the usage chunk; no usage chunk at all gives usage null', () => {
    expect(convert([chunk({ content: 'a' }, 'stop'), usageChunk]).response.usage).toMatchObject({ input_tokens: 5, total_tokens: 12 });
    expect(convert([chunk({ content: 'a' }, 'stop')]).response.usage).toBeNull();
  });

  it('synthetic: a chunk that does not parse fails the response instead of throwing; later input is ignored', () => {
    const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary' });
    const events = [
      ...converter.push(chunk({ content: 'ok' })),
      ...converter.push({ choices: [{ index: 0, delta: { content: 42 } }] }),
    ];
    const { terminal } = checkEventInvariants(events);
    expect((terminal.response as JsonObject).error).toMatchObject({ code: 'server_error' });
    expect(String(((terminal.response as JsonObject).error as JsonObject).message)).toContain('invalid chunk');
    expect(converter.push(chunk({ content: 'more' }))).toEqual([]);
    expect(converter.finish()).toEqual([]);
    expect(() => converter.push('not json at all')).not.toThrow();
  });

  it('synthetic: with dropReasoningDetails, reasoning text stays and its details (a signature) go nowhere', () => {
    const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'text', dropReasoningDetails: true });
    const signed = { type: 'reasoning.text', text: 'Think.', signature: 'sig-1', format: 'anthropic-claude-v1', index: 0 };
    const events = [
      ...converter.push(chunk({ reasoning: 'Think.', reasoning_details: [signed] })),
      ...converter.push(chunk({ content: 'ok', reasoning_details: [{ type: 'reasoning.encrypted', data: 'blob', index: 1 }] })),
      ...converter.push(chunk({}, 'stop')),
      ...converter.finish(),
    ];
    const output = checkEventInvariants(events).items;
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(output[0]!.content).toEqual([{ type: 'reasoning_text', text: 'Think.' }]);
    expect(output[0]).not.toHaveProperty('encrypted_content');
  });

  it('synthetic: a web search announced by the request precedes a tool call, and stays completed when the answer fails', () => {
    const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary', webSearch: true });
    const events = [
      ...converter.push(chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'one', arguments: '{}' } }] })),
      ...converter.push({ error: { code: 502, message: 'Provider returned error' } }),
    ];
    const { items, terminal } = checkEventInvariants(events);
    expect(items.map((item) => [item.type, item.status])).toEqual([
      ['web_search_call', 'completed'],
      ['function_call', 'incomplete'],
    ]);
    expect((terminal.response as JsonObject).status).toBe('failed');
  });

  it('synthetic: finish() emits the terminal event once', () => {
    const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary' });
    converter.push(chunk({ content: 'a' }, 'stop'));
    expect(converter.finish().at(-1)?.type).toBe('response.completed');
    expect(converter.finish()).toEqual([]);
  });

  it('synthetic: endState says when upstream has sent the end of its answer (finish_reason, then usage; or an error chunk)', () => {
    const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary' });
    converter.push(chunk({ content: 'a' }));
    expect(converter.endState()).toBe('open');
    converter.push(chunk({}, 'stop'));
    expect(converter.endState()).toBe('finished');
    converter.push(usageChunk);
    expect(converter.endState()).toBe('finished-with-usage');
    const usageFirst = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary' });
    usageFirst.push(chunk({ content: 'a' }, 'stop', { usage: usageChunk.usage }));
    expect(usageFirst.endState()).toBe('finished-with-usage');
    const failed = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents: 'summary' });
    failed.push(chunk({ content: 'a' }, null, { error: { code: 500, message: 'boom' } }));
    expect(failed.endState()).toBe('ended');
  });
});

describe('checkEventInvariants (the oracle these tests rely on) rejects malformed streams', () => {
  const added = { type: 'response.output_item.added', output_index: 0, item: { id: 'm', type: 'message', status: 'in_progress', content: [] } };
  const terminal = { type: 'response.completed', response: {} };
  it.each([
    ['a delta before its part is opened', [added, { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'x' }, terminal]],
    ['an item never closed', [added, terminal]],
    ['no terminal event', [added]],
    ['two terminal events', [terminal, terminal]],
    ['a skipped output_index', [{ ...added, output_index: 1 }, terminal]],
  ])('%s', (_name, events) => {
    expect(() => checkEventInvariants(events)).toThrow();
  });

  describe('calls of namespaced and custom tools (the request\'s toolCalls map them back)', () => {
    const toolCalls: ChatToolCalls = new Map([
      ['multi_agent_v1__spawn_agent', { name: 'spawn_agent', namespace: 'multi_agent_v1', kind: 'function' as const }],
      ['apply_patch', { name: 'apply_patch', kind: 'custom' as const }],
      ['editor__patch', { name: 'patch', namespace: 'editor', kind: 'custom' as const }],
      ['tool_search', { name: 'tool_search', kind: 'tool_search' as const }],
    ]);

    it('synthetic: a flattened namespace function is a function_call with its namespace and own name', () => {
      const { events, items } = convert(
        [
          chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"task":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }),
          chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'exec_command', arguments: '{}' } }] }),
          chunk({}, 'tool_calls'),
        ],
        'summary',
        toolCalls,
      );
      expect(items).toEqual([
        { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_a', namespace: 'multi_agent_v1', name: 'spawn_agent', arguments: '{"task":"x"}' },
        { id: 'fc_2', type: 'function_call', status: 'completed', call_id: 'call_b', name: 'exec_command', arguments: '{}' },
      ]);
      expect(ofType(events, 'response.output_item.added')[0].item).toMatchObject({ namespace: 'multi_agent_v1', name: 'spawn_agent' });
      expect(ofType(events, 'response.function_call_arguments.done')[0]).toMatchObject({ name: 'spawn_agent' });
    });

    it('synthetic: a custom tool\'s stand-in function call is a custom_tool_call with its input, streamed at its end', () => {
      const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch';
      const args = JSON.stringify({ input: patch });
      const { events, items } = convert(
        [
          chunk({ tool_calls: [{ index: 0, id: 'call_p', function: { name: 'apply_patch', arguments: args.slice(0, 20) } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(20) } }] }),
          chunk({}, 'tool_calls'),
        ],
        'summary',
        toolCalls,
      );
      expect(items).toEqual([{ id: 'ctc_1', type: 'custom_tool_call', status: 'completed', call_id: 'call_p', name: 'apply_patch', input: patch }]);
      expect(ofType(events, 'response.function_call_arguments.delta')).toEqual([]);
      expect(ofType(events, 'response.custom_tool_call_input.delta').map((event) => event.delta)).toEqual([patch]);
      expect(ofType(events, 'response.custom_tool_call_input.done')[0]).toMatchObject({ item_id: 'ctc_1', input: patch });
    });

    it('synthetic: a custom tool in a namespace keeps its namespace; input written bare (not JSON) is the input', () => {
      const { items } = convert(
        [chunk({ tool_calls: [{ index: 0, id: 'call_q', function: { name: 'editor__patch', arguments: 'raw text' } }] }), chunk({}, 'tool_calls')],
        'summary',
        toolCalls,
      );
      expect(items).toEqual([
        { id: 'ctc_1', type: 'custom_tool_call', status: 'completed', call_id: 'call_q', namespace: 'editor', name: 'patch', input: 'raw text' },
      ]);
    });

    it('synthetic: a client tool search\'s function call is a tool_search_call whose arguments are an object, with no delta events', () => {
      const { events, items } = convert(
        [
          chunk({ tool_calls: [{ index: 0, id: 'call_s', function: { name: 'tool_search', arguments: '{"query":"cal' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: 'endar","limit":3}' } }] }),
          chunk({}, 'tool_calls'),
        ],
        'summary',
        toolCalls,
      );
      expect(items).toEqual([
        { id: 'tsc_1', type: 'tool_search_call', status: 'completed', call_id: 'call_s', execution: 'client', arguments: { query: 'calendar', limit: 3 } },
      ]);
      expect(events.map((event) => event.type)).toEqual(['response.output_item.added', 'response.output_item.done', 'response.completed']);
      expect(ofType(events, 'response.output_item.added')[0].item).toMatchObject({ type: 'tool_search_call', arguments: {} });
    });
  });
});
