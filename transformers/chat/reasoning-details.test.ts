// The reasoning_details codec, the fragment merge, and the round trip OpenRouter stream → encrypted_content → next request.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../responses-types.js';
import { checkEventInvariants } from './check-event-invariants.test-support.js';
import { convertChunks, readFixtureChunks } from './chat-fixtures.test-support.js';
import { mergeReasoningDetails } from './merge-reasoning-details.js';
import { decodeReasoningDetails, encodeReasoningDetails } from './reasoning-details-codec.js';
import { toChatRequest } from './to-chat-request.js';

const ANTHROPIC = 'openrouter/chat-reasoning-anthropic.sse';

/** The reasoning_details fragments exactly as the fixture streamed them. */
function streamedFragments(fixture: string): JsonObject[] {
  return readFixtureChunks(fixture).flatMap((chunk) => {
    const choices = ((chunk as JsonObject).choices ?? []) as JsonObject[];
    return choices.flatMap((choice) => ((choice.delta as JsonObject | undefined)?.reasoning_details ?? []) as JsonObject[]);
  });
}

describe('reasoning-details-codec', () => {
  it('round-trips any details, unicode included, behind a recognisable prefix', () => {
    const details = [
      { type: 'reasoning.text', text: 'Écrasez l’infâme — ✓', signature: 'c2ln', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'gAAAA==', id: 'rs_1', format: 'openai-responses-v1', index: 1, extra: null },
    ];
    const encoded = encodeReasoningDetails(details);
    expect(encoded.startsWith('openrouter.reasoning_details.v1:')).toBe(true);
    expect(decodeReasoningDetails(encoded)).toEqual(details);
  });

  it('does not mistake other providers’ blobs or damaged data for details', () => {
    expect(decodeReasoningDetails('gAAAAABo-openai-encrypted')).toBeUndefined();
    expect(decodeReasoningDetails('openrouter.reasoning_details.v1:not-base64-json')).toBeUndefined();
    const notAList = 'openrouter.reasoning_details.v1:' + Buffer.from('{"a":1}').toString('base64url');
    expect(decodeReasoningDetails(notAList)).toBeUndefined();
  });
});

describe('mergeReasoningDetails', () => {
  it('merges the Anthropic fragments of one block: text concatenated, the late signature kept', () => {
    expect(mergeReasoningDetails([], streamedFragments(ANTHROPIC))).toEqual([
      {
        type: 'reasoning.text',
        text: 'This is a simple arithmetic question. 2+2 equals 4.',
        signature: expect.stringMatching(/^Et0BCkgIChACGAIq/),
        format: 'anthropic-claude-v1',
        index: 0,
      },
    ]);
  });

  it('keeps details of different indexes or types apart, and leaves its inputs untouched', () => {
    const first = [{ type: 'reasoning.text', text: 'a', index: 0 }];
    const merged = mergeReasoningDetails(first, [
      { type: 'reasoning.text', text: 'b', index: 0 },
      { type: 'reasoning.encrypted', data: 'x', index: 0 },
      { type: 'reasoning.text', text: 'c', index: 1 },
      { type: 'reasoning.text', text: 'no index' },
    ]);
    expect(merged).toEqual([
      { type: 'reasoning.text', text: 'ab', index: 0 },
      { type: 'reasoning.encrypted', data: 'x', index: 0 },
      { type: 'reasoning.text', text: 'c', index: 1 },
      { type: 'reasoning.text', text: 'no index' },
    ]);
    expect(first).toEqual([{ type: 'reasoning.text', text: 'a', index: 0 }]);
  });
});

describe('round trip: OpenRouter reasoning → encrypted_content → next turn', () => {
  it(`${ANTHROPIC}: the details come back byte-identical as reasoning_details on the assistant message`, () => {
    const { items } = checkEventInvariants(convertChunks(readFixtureChunks(ANTHROPIC)));
    const [reasoning, message] = items;
    const streamed = mergeReasoningDetails([], streamedFragments(ANTHROPIC));
    const stored = decodeReasoningDetails(String(reasoning.encrypted_content));
    expect(JSON.stringify(stored)).toBe(JSON.stringify(streamed));

    // The next turn sends the stored output items back as input (what previous_response_id resolves to).
    const { body, warnings } = toChatRequest(
      { model: 'm', input: [{ role: 'user', content: 'What is 2+2?' }, reasoning, message, { role: 'user', content: 'And 3+3?' }] },
      { upstreamModel: 'anthropic/claude-sonnet-4.5', quirks: 'openrouter' },
    );
    expect(warnings).toEqual([]);
    const messages = body.messages as JsonObject[];
    expect(messages[1]).toMatchObject({ role: 'assistant', content: '2 + 2 = 4' });
    expect(JSON.stringify(messages[1].reasoning_details)).toBe(JSON.stringify(streamed));
  });

  it('without the OpenRouter quirk the same item is dropped with a warning', () => {
    const { items } = checkEventInvariants(convertChunks(readFixtureChunks(ANTHROPIC)));
    const { body, warnings } = toChatRequest({ model: 'm', input: items }, { upstreamModel: 'x' });
    expect(body.messages).toEqual([{ role: 'assistant', content: '2 + 2 = 4' }]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[0]']);
  });
});
