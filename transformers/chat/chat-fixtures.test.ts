// Replays every recorded Chat Completions fixture through the converter: well-formed events, and the outcome each implies.
import { describe, expect, it } from 'vitest';
import type { JsonObject, ResponsesEvent } from '../responses-types.js';
import { checkEventInvariants, foldWithOpenAiSdk } from './check-event-invariants.test-support.js';
import { convertChunks, listChatFixtures, readFixtureChunks } from './chat-fixtures.test-support.js';

const fixtures = listChatFixtures();

/** What a fixture's raw chunks imply, read straight from them (independently of the converter). */
function implied(chunks: unknown[]) {
  const objects = chunks.filter((chunk): chunk is JsonObject => typeof chunk === 'object' && chunk !== null);
  const choices = objects.flatMap((chunk) => (Array.isArray(chunk.choices) ? (chunk.choices as JsonObject[]) : []));
  const deltas = choices.map((choice) => (choice.delta ?? {}) as JsonObject);
  const errorChunk = objects.find((chunk) => chunk.error);
  const finishReason = choices.map((choice) => choice.finish_reason).find((reason) => typeof reason === 'string');
  const usages = objects.map((chunk) => chunk.usage).filter((usage): usage is JsonObject => !!usage);
  const toolArguments = new Map<number, string>();
  for (const delta of deltas) {
    for (const call of (delta.tool_calls ?? []) as JsonObject[]) {
      const index = Number(call.index ?? 0);
      const fn = (call.function ?? {}) as JsonObject;
      toolArguments.set(index, (toolArguments.get(index) ?? '') + String(fn.arguments ?? ''));
    }
  }
  let status = 'failed';
  if (!errorChunk && finishReason !== undefined && finishReason !== 'error') {
    status = finishReason === 'length' || finishReason === 'content_filter' ? 'incomplete' : 'completed';
  }
  return {
    status,
    usage: usages.at(-1),
    model: objects.map((chunk) => chunk.model).filter(Boolean).at(-1),
    text: deltas.map((delta) => delta.content ?? '').join(''),
    arguments: [...toolArguments.values()].map((args) => args || '{}'),
  };
}

function terminalResponse(events: ResponsesEvent[]): JsonObject {
  return checkEventInvariants(events).terminal.response as JsonObject;
}

function itemsOfType(events: ResponsesEvent[], type: string): JsonObject[] {
  return checkEventInvariants(events).items.filter((item) => item.type === type);
}

function messageText(item: JsonObject): string {
  return (item.content as JsonObject[]).map((part) => part.text ?? part.refusal).join('');
}

describe('every recorded chat fixture', () => {
  it('finds the fixtures', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['openai/chat-tool-calls.sse', 'openrouter/chat-text.sse']));
  });

  describe.each(fixtures)('%s', (fixture) => {
    const chunks = readFixtureChunks(fixture);
    const expected = implied(chunks);

    it.each(['summary', 'text'] as const)('is a well-formed stream (%s reasoning events)', (mode) => {
      const events = convertChunks(chunks, mode);
      const { items } = checkEventInvariants(events);
      expect(foldWithOpenAiSdk(events)).toEqual(items);
    });

    it('ends with the terminal event the fixture implies', () => {
      const events = convertChunks(chunks);
      const { terminal, items } = checkEventInvariants(events);
      expect(terminal.type).toBe(`response.${expected.status}`);
      const response = terminal.response as JsonObject;
      expect(response.status).toBe(expected.status);
      expect(response.model).toBe(expected.model);
      if (expected.usage) {
        expect(response.usage).toMatchObject({
          input_tokens: expected.usage.prompt_tokens,
          output_tokens: expected.usage.completion_tokens,
          total_tokens: expected.usage.total_tokens,
        });
      } else {
        expect(response.usage).toBeNull();
      }
      if (expected.status === 'failed') expect(events.at(-2)?.type).toBe('error');
      const expectedItemStatus = expected.status === 'completed' ? 'completed' : expect.stringMatching(/completed|incomplete/);
      for (const item of items) expect(item.status).toEqual(expectedItemStatus);
    });

    it('carries all the text and tool-call arguments', () => {
      const events = convertChunks(chunks);
      const messages = itemsOfType(events, 'message');
      expect(messages.map(messageText).join('')).toBe(expected.text);
      expect(itemsOfType(events, 'function_call').map((item) => item.arguments)).toEqual(expected.arguments);
    });
  });
});

describe('what each known fixture turns into', () => {
  it('openrouter/chat-text.sse: one message, completed, OpenRouter cost kept on usage', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-text.sse'));
    const [message] = itemsOfType(events, 'message');
    expect(messageText(message)).toBe('Pebbles and Skipper.');
    expect(terminalResponse(events)).toEqual({
      status: 'completed',
      incomplete_details: null,
      error: null,
      model: 'openai/gpt-4o',
      usage: {
        input_tokens: 17,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 6,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 23,
        cost: 0.0001025,
        is_byok: false,
        cost_details: { upstream_inference_cost: null },
      },
    });
  });

  it('openrouter/chat-tool-call.sse: one function_call with the upstream call id', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-tool-call.sse'));
    expect(checkEventInvariants(events).items).toEqual([
      {
        id: 'fc_1',
        type: 'function_call',
        status: 'completed',
        call_id: 'call_o4OCgtJrNoZTmoCRvmlfoHfj',
        name: 'llm_version',
        arguments: '{}',
      },
    ]);
    expect(terminalResponse(events)).toMatchObject({ status: 'completed', model: 'openai/gpt-4.1-mini' });
  });

  it('openai/chat-tool-calls.sse: arguments streamed in fragments, usage from the choices:[] chunk', () => {
    const events = convertChunks(readFixtureChunks('openai/chat-tool-calls.sse'));
    const deltas = events.filter((event) => event.type === 'response.function_call_arguments.delta');
    expect(deltas.map((event) => event.delta)).toEqual(['{"', 'country', '":"', 'UK', '"}']);
    expect(itemsOfType(events, 'function_call')[0]).toMatchObject({ call_id: 'call_ZR5UUuTt3pf61kjwAJIYdVMj', name: 'get_capital' });
    expect(terminalResponse(events)).toMatchObject({
      status: 'completed',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { input_tokens: 53, output_tokens: 15, total_tokens: 68, output_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('openrouter/chat-reasoning-anthropic.sse: reasoning once (not doubled), signature kept, then the message', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-reasoning-anthropic.sse'));
    const { items } = checkEventInvariants(events);
    expect(items.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(items[0].summary).toEqual([
      { type: 'summary_text', text: 'This is a simple arithmetic question. 2+2 equals 4.' },
    ]);
    expect(String(items[0].encrypted_content)).toMatch(/^openrouter\.reasoning_details\.v1:/);
    expect(messageText(items[1])).toBe('2 + 2 = 4');
    // The reasoning item is closed before the message is opened.
    const doneReasoning = events.findIndex((event) => event.type === 'response.output_item.done');
    const addedMessage = events.findIndex((event) => event.type === 'response.output_item.added' && event.output_index === 1);
    expect(doneReasoning).toBeLessThan(addedMessage);
    expect(terminalResponse(events).usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 13 }, cost: 0.000669 });
  });

  it('openrouter/chat-reasoning-anthropic.sse in text mode: reasoning_text events', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-reasoning-anthropic.sse'), 'text');
    const [reasoning] = itemsOfType(events, 'reasoning');
    expect(reasoning.summary).toEqual([]);
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: 'This is a simple arithmetic question. 2+2 equals 4.' }]);
    expect(events.some((event) => event.type.startsWith('response.reasoning_summary'))).toBe(false);
  });

  it('openrouter/chat-length-midstream-error.sse: the error chunk wins over finish_reason length', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-length-midstream-error.sse'));
    const [reasoning] = itemsOfType(events, 'reasoning');
    expect(reasoning.status).toBe('incomplete');
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: 'We need to respond to a greeting. The user' }]);
    expect(events.at(-2)).toEqual({
      type: 'error',
      error: { type: 'upstream_error', code: '400', message: 'Token limit reached', param: null },
    });
    expect(terminalResponse(events)).toMatchObject({
      status: 'failed',
      incomplete_details: null,
      error: { code: '400', message: 'Token limit reached' },
      model: 'minimax/minimax-m2:free',
      usage: { input_tokens: 43, output_tokens: 10, output_tokens_details: { reasoning_tokens: 11 } },
    });
  });

  it('openrouter/chat-reasoning.json (non-streamed): reasoning then message from one chunk', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-reasoning.json'));
    const { items } = checkEventInvariants(events);
    expect(items.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(messageText(items[1]).startsWith('\n\nOf course.')).toBe(true);
    expect(terminalResponse(events)).toMatchObject({
      status: 'completed',
      model: 'z-ai/glm-4.6',
      usage: { input_tokens: 24, output_tokens: 2801, output_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('openrouter/chat-tool-call-nonstream.json: a call id that is not call_-prefixed, usage without details', () => {
    const events = convertChunks(readFixtureChunks('openrouter/chat-tool-call-nonstream.json'));
    expect(itemsOfType(events, 'message')).toEqual([]);
    expect(itemsOfType(events, 'function_call')[0]).toMatchObject({
      call_id: '3sniiMddS',
      name: 'divide',
      arguments: '{"numerator": 123, "denominator": 456, "on_inf": "infinity"}',
    });
    expect(terminalResponse(events).usage).toEqual({
      input_tokens: 134,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 43,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 177,
    });
  });

  describe('openrouter/chat-web-search-synthetic.sse: a web search shown as the web_search_call item OpenAI sends', () => {
    const chunks = readFixtureChunks('openrouter/chat-web-search-synthetic.sse');
    const cited = ['https://openai.com/index/new-tools-for-building-agents/', 'https://platform.openai.com/docs/api-reference/responses'];

    it('opens the output with a completed search when the request turned the web plugin on', () => {
      const events = convertChunks(chunks, 'summary', true);
      const { items } = checkEventInvariants(events);
      expect(items.map((item) => item.type)).toEqual(['web_search_call', 'message']);
      expect(items[0]).toEqual({ id: expect.stringMatching(/^ws_/), type: 'web_search_call', status: 'completed', action: { type: 'search' } });
      expect(events.slice(0, 5).map((event) => event.type)).toEqual([
        'response.output_item.added',
        'response.web_search_call.in_progress',
        'response.web_search_call.searching',
        'response.web_search_call.completed',
        'response.output_item.done',
      ]);
      expect((items[1].content as JsonObject[])[0].annotations).toHaveLength(2);
      expect(foldWithOpenAiSdk(events)).toEqual(items);
    });

    it('adds the search after the answer, with the cited pages, when only the citations tell of it', () => {
      const { items } = checkEventInvariants(convertChunks(chunks));
      expect(items.map((item) => item.type)).toEqual(['message', 'web_search_call']);
      expect(items[1].action).toEqual({ type: 'search', sources: cited.map((url) => ({ type: 'url', url })) });
    });

    it('shows no search for an answer without citations, plugin or not', () => {
      expect(checkEventInvariants(convertChunks(readFixtureChunks('openrouter/chat-text.sse'))).items.map((item) => item.type)).toEqual(['message']);
    });

    it('a stream that never produced output shows no search either', () => {
      const { items } = checkEventInvariants(convertChunks([{ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }], 'summary', true));
      expect(items).toEqual([]);
    });
  });
});
