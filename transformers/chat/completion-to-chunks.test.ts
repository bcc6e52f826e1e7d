// completionToChunks: non-streamed chat.completion bodies become chunks the stream converter reads like a stream.
import { describe, expect, it } from 'vitest';
import { checkEventInvariants } from './check-event-invariants.test-support.js';
import { convertChunks, readFixtureJson } from './chat-fixtures.test-support.js';
import { completionToChunks } from './completion-to-chunks.js';

describe('completionToChunks', () => {
  it('turns each choice message into one delta, with index added to tool calls, usage and model kept', () => {
    const chunks = completionToChunks(readFixtureJson('openrouter/chat-tool-call-nonstream.json'));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'mistralai/mistral-small',
      provider: 'Mistral',
      usage: { prompt_tokens: 134, completion_tokens: 43, total_tokens: 177 },
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          native_finish_reason: 'tool_calls',
          delta: { role: 'assistant', content: '', tool_calls: [{ id: '3sniiMddS', index: 0 }] },
        },
      ],
    });
  });

  it('synthetic: numbers tool calls that carry no index by their position', () => {
    const [chunk] = completionToChunks({
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    const events = convertChunks([chunk]);
    expect(checkEventInvariants(events).items.map((item) => item.call_id)).toEqual(['a', 'b']);
  });

  it('synthetic: a body that is not a completion is passed on, and the converter fails the response', () => {
    const errorBody = { error: { code: 502, message: 'Bad gateway' } };
    expect(completionToChunks(errorBody)).toEqual([errorBody]);
    const { terminal } = checkEventInvariants(convertChunks(completionToChunks(errorBody)));
    expect(terminal.response).toMatchObject({ status: 'failed', error: { code: '502', message: 'Bad gateway' } });
    const { terminal: empty } = checkEventInvariants(convertChunks(completionToChunks('nonsense')));
    expect(empty.response).toMatchObject({ status: 'failed' });
  });
});
