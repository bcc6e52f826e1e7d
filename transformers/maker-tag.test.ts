// The maker tag on encrypted blobs: round trip, what is no tag, and which events carry one.
import { describe, expect, it } from 'vitest';
import { readMakerTag, tagEvent, tagMaker, untagItem } from './maker-tag.js';
import type { ResponsesEvent } from './responses-types.js';

describe('the maker tag', () => {
  it.each(['openai', 'openai:eu', 'a/b c%'])('round-trips the provider name %j and the blob unchanged', (provider) => {
    const blob = 'gAAAAA:with:colons==';
    expect(readMakerTag(tagMaker(blob, provider))).toEqual({ provider, encrypted: blob });
  });

  it.each(['gAAAAABpPDIV', 'junction.maker.v1:no-end', 'junction.maker.v1:%E0%A4%A:blob', 'openrouter.reasoning_details.v1:abc'])('reads no tag in %j', (blob) => {
    expect(readMakerTag(blob)).toBeUndefined();
    expect(untagItem({ type: 'reasoning', encrypted_content: blob })).toEqual({ item: { type: 'reasoning', encrypted_content: blob } });
  });

  it('untags an item and names its maker', () => {
    const item = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: tagMaker('blob', 'xai') };
    expect(untagItem(item)).toEqual({ item: { ...item, encrypted_content: 'blob' }, maker: 'xai' });
  });

  it('tags the item of an item event and the output of a terminal event, and leaves the rest alone', () => {
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'blob' };
    const message = { type: 'message', id: 'msg_1', role: 'assistant', content: [] };
    const done: ResponsesEvent = { type: 'response.output_item.done', output_index: 0, item: reasoning };
    expect(tagEvent(done, 'openai')).toEqual({ ...done, item: { ...reasoning, encrypted_content: tagMaker('blob', 'openai') } });
    expect(done.item).toBe(reasoning);

    const completed: ResponsesEvent = { type: 'response.completed', response: { id: 'resp_1', output: [reasoning, message] } };
    expect(tagEvent(completed, 'openai')).toEqual({ type: 'response.completed', response: { id: 'resp_1', output: [{ ...reasoning, encrypted_content: tagMaker('blob', 'openai') }, message] } });

    const delta: ResponsesEvent = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'hi' };
    const added: ResponsesEvent = { type: 'response.output_item.added', output_index: 1, item: message };
    for (const event of [delta, added]) expect(tagEvent(event, 'openai')).toBe(event);
  });
});
