// The sequencer's repairs, on synthetic event lists that no recording covers (real streams: test/native-fixtures.test.ts).
import { describe, expect, it } from 'vitest';
import { streamViolations } from '../test/support/stream-invariants.js';
import { foldWithOpenAiSdk } from './chat/check-event-invariants.test-support.js';
import { responseSkeleton, type SnapshotOverrides } from './response-snapshot.js';
import { UPSTREAM_DATA, type JsonObject, type ResponsesEvent } from './responses-types.js';
import { Sequencer } from './sequencer.js';

const overrides: SnapshotOverrides = { id: 'resp_gateway', previous_response_id: null, store: true, background: false };

function run(events: ResponsesEvent[], end = true): ResponsesEvent[] {
  const sequencer = new Sequencer({ skeleton: responseSkeleton({}, { createdAt: 100, model: 'm', overrides }), overrides, now: () => 200 });
  const out = events.flatMap((e) => sequencer.push(structuredClone(e)));
  return end ? [...out, ...sequencer.end()] : out;
}

const types = (events: ResponsesEvent[]) => events.map((e) => e.type);
const msg = { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] };

describe('Sequencer (synthetic streams)', () => {
  it('synthesizes response.created, output_item.added and content_part.added for a bare delta stream', () => {
    const out = run([
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
      { type: 'response.completed', response: { id: 'upstream', status: 'completed', usage: { input_tokens: 1, output_tokens: 2 } } },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    expect(types(out)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const final = out.at(-1)!.response as JsonObject;
    expect(final).toMatchObject({ id: 'resp_gateway', status: 'completed', completed_at: 200 });
    expect(final.output).toEqual([
      { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [], logprobs: [] }] },
    ]);
    expect(final.usage).toEqual({
      input_tokens: 1,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 2,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 3,
    });
  });

  it('sends the missing tail as a delta when the done text runs ahead of the deltas', () => {
    const out = run([
      { type: 'response.created', response: { id: 'u' } },
      { type: 'response.output_item.added', output_index: 0, item: msg },
      { type: 'response.content_part.added', item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
      { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hello' },
      { type: 'response.completed', response: { id: 'u' } },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    const deltas = out.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas).toEqual(['Hel', 'lo']);
  });

  it('keeps what the client saw when the done text contradicts the deltas', () => {
    const out = run([
      { type: 'response.output_item.added', output_index: 0, item: msg },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'abc' },
      { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: 'xyz' },
      { type: 'response.completed', response: {} },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    expect(out.find((e) => e.type === 'response.output_text.done')!.text).toBe('abc');
  });

  it('turns an upstream that ends without a terminal event into error + response.failed, closing open items', () => {
    const out = run([
      { type: 'response.created', response: { id: 'u' } },
      { type: 'response.output_item.added', output_index: 0, item: msg },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'partial' },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    expect(types(out).slice(-3)).toEqual(['response.output_item.done', 'error', 'response.failed']);
    const final = out.at(-1)!.response as JsonObject;
    expect(final).toMatchObject({ status: 'failed', completed_at: null, error: { code: 'server_error' } });
    expect((final.output as JsonObject[])[0]).toMatchObject({ status: 'incomplete', content: [{ text: 'partial' }] });
  });

  it('accepts a flat (spec) error event as well as the nested (wire) one, and emits both forms', () => {
    const out = run([{ type: 'response.created', response: {} }, { type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null }]);
    const error = out.find((e) => e.type === 'error')!;
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', message: 'slow down', error: { code: 'rate_limit_exceeded', message: 'slow down' } });
    expect((out.at(-1)!.response as JsonObject).error).toEqual({ code: 'rate_limit_exceeded', message: 'slow down' });
  });

  it('emits exactly one terminal event and ignores whatever follows it', () => {
    const out = run([
      { type: 'response.created', response: {} },
      { type: 'response.completed', response: {} },
      { type: 'response.output_item.added', output_index: 0, item: msg },
      { type: 'response.failed', response: {} },
    ]);
    expect(types(out)).toEqual(['response.created', 'response.completed']);
  });

  it('passes unknown event types on, numbered, and keeps the gateway id in every snapshot', () => {
    const out = run([
      { type: 'response.created', response: { id: 'upstream-id', model: 'm-2025' } },
      { type: 'response.something_new', detail: 1 },
      { type: 'response.completed', response: { id: 'upstream-id' } },
    ]);
    expect(out.map((e) => e.sequence_number)).toEqual([0, 1, 2]);
    expect(out[1]).toEqual({ type: 'response.something_new', detail: 1, sequence_number: 1 });
    expect((out[0]!.response as JsonObject).id).toBe('resp_gateway');
    expect((out[0]!.response as JsonObject).model).toBe('m-2025');
  });

  it('fills the function call name that real streams leave off arguments.done', () => {
    const out = run([
      { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '' } },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{}' },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 0, arguments: '{}' },
      { type: 'response.completed', response: {} },
    ]);
    expect(out.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ name: 'get_weather', arguments: '{}' });
    expect(streamViolations(out as never)).toEqual([]);
  });
});

describe('Sequencer: upstream text kept for unchanged deltas', () => {
  const sequencerFor = () => new Sequencer({ skeleton: responseSkeleton({}, { createdAt: 100, model: 'm', overrides }), overrides, now: () => 200 });
  const tagged = (event: ResponsesEvent): ResponsesEvent => Object.assign(event, { [UPSTREAM_DATA]: JSON.stringify(event) });
  const created = (n: number): ResponsesEvent => ({ type: 'response.created', sequence_number: n, response: { id: 'up', status: 'in_progress' } });
  const added = (n: number): ResponsesEvent => ({ type: 'response.output_item.added', sequence_number: n, output_index: 0, item: msg });
  const part = (n: number): ResponsesEvent => ({ type: 'response.content_part.added', sequence_number: n, item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
  const delta = (n: number, extra: JsonObject = { logprobs: [] }): ResponsesEvent =>
    tagged({ type: 'response.output_text.delta', sequence_number: n, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', ...extra });

  it('keeps it when the delta leaves with upstream\'s own number and fields', () => {
    const sequencer = sequencerFor();
    const out = [created(0), added(1), part(2), delta(3)].flatMap((e) => sequencer.push(e));
    expect(out.at(-1)!.sequence_number).toBe(3);
    expect(out.at(-1)![UPSTREAM_DATA]).toBe(JSON.stringify({ ...out.at(-1)!, [UPSTREAM_DATA]: undefined }));
  });

  it('drops it when the gateway renumbers the delta (a repair inserted events before it)', () => {
    const sequencer = sequencerFor();
    const out = [created(0), delta(1)].flatMap((e) => sequencer.push(e));
    const last = out.at(-1)!;
    expect(last.type).toBe('response.output_text.delta');
    expect(last.sequence_number).toBe(3);
    expect(last[UPSTREAM_DATA]).toBeUndefined();
  });

  it('drops it when the gateway fills in a field upstream left out', () => {
    const sequencer = sequencerFor();
    const out = [created(0), added(1), part(2), delta(3, {})].flatMap((e) => sequencer.push(e));
    expect(out.at(-1)!.logprobs).toEqual([]);
    expect(out.at(-1)![UPSTREAM_DATA]).toBeUndefined();
  });

  it('drops it when the gateway points the delta at its item\'s output_index', () => {
    const sequencer = sequencerFor();
    // A second item announced at output_index 0, which msg_1 holds: the gateway gives it 1, and its events with it.
    const second: ResponsesEvent = { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { ...msg, id: 'msg_2' } };
    const out = [created(0), added(1), second, { ...part(3), item_id: 'msg_2' }, delta(4, { item_id: 'msg_2', logprobs: [] })].flatMap((e) => sequencer.push(e));
    const last = out.at(-1)!;
    expect(last).toMatchObject({ type: 'response.output_text.delta', item_id: 'msg_2', output_index: 1, sequence_number: 4 });
    expect(last[UPSTREAM_DATA]).toBeUndefined();
  });
});

describe('Sequencer: an event names its item by item_id and by output_index', () => {
  const second = { ...msg, id: 'msg_2' };
  const textOf = (id: string, index: number, text: string): ResponsesEvent[] => [
    { type: 'response.content_part.added', item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text: '' } },
    { type: 'response.output_text.delta', item_id: id, output_index: index, content_index: 0, delta: text },
    { type: 'response.output_text.done', item_id: id, output_index: index, content_index: 0, text },
    { type: 'response.content_part.done', item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text } },
  ];
  const doneItem = (item: JsonObject, text: string) => ({ ...item, status: 'completed', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });

  it('moves a second item announced at a taken output_index to the next one, and its events with it (synthetic)', () => {
    const out = run([
      { type: 'response.created', response: { id: 'u' } },
      { type: 'response.output_item.added', output_index: 0, item: msg },
      { type: 'response.output_item.added', output_index: 0, item: second },
      ...textOf('msg_1', 0, 'first'),
      ...textOf('msg_2', 0, 'second'),
      { type: 'response.output_item.done', output_index: 0, item: doneItem(msg, 'first') },
      { type: 'response.output_item.done', output_index: 0, item: doneItem(second, 'second') },
      { type: 'response.completed', response: { id: 'u' } },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    const final = out.at(-1)!.response as JsonObject;
    expect(final.output).toEqual([doneItem(msg, 'first'), doneItem(second, 'second')]);
    // Every event of msg_2 now says output_index 1, the index its announcement was given.
    expect(new Set(out.filter((e) => e.item_id === 'msg_2' || (e.item as JsonObject | undefined)?.id === 'msg_2').map((e) => e.output_index))).toEqual(new Set([1]));
    expect(foldWithOpenAiSdk(out)).toEqual(final.output);
  });

  it('follows item_id when output_index names another item (synthetic)', () => {
    const out = run([
      { type: 'response.created', response: { id: 'u' } },
      { type: 'response.output_item.added', output_index: 0, item: msg },
      ...textOf('msg_1', 0, 'first'),
      { type: 'response.output_item.done', output_index: 0, item: doneItem(msg, 'first') },
      { type: 'response.output_item.added', output_index: 1, item: second },
      // Upstream names the right item but the wrong index.
      ...textOf('msg_2', 0, 'second'),
      { type: 'response.output_item.done', output_index: 1, item: doneItem(second, 'second') },
      { type: 'response.completed', response: { id: 'u' } },
    ]);
    expect(streamViolations(out as never)).toEqual([]);
    expect((out.at(-1)!.response as JsonObject).output).toEqual([doneItem(msg, 'first'), doneItem(second, 'second')]);
    expect(foldWithOpenAiSdk(out)).toEqual((out.at(-1)!.response as JsonObject).output);
  });
});

describe('Sequencer.retractTerminal (the response could not be stored)', () => {
  const failure = { code: 'server_error', message: 'not stored' };
  const sequencerFor = () => new Sequencer({ skeleton: responseSkeleton({}, { createdAt: 100, model: 'm', overrides }), overrides, now: () => 200 });
  const upstream: ResponsesEvent[] = [
    { type: 'response.created', response: { id: 'u' } },
    { type: 'response.output_item.added', output_index: 0, item: msg },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' },
    { type: 'response.completed', response: { id: 'u' } },
  ];

  it('turns a completed end into error + response.failed, numbered where the terminal event was', () => {
    const sequencer = sequencerFor();
    const out = sequencer.pushAll(structuredClone(upstream));
    const sent = [...out.slice(0, -1), ...sequencer.retractTerminal(failure)];
    expect(streamViolations(sent as never)).toEqual([]);
    expect(sent.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(sent.at(-1)!.response).toMatchObject({ status: 'failed', completed_at: null, error: failure, output: [{ id: 'msg_1', status: 'completed' }] });
    expect(sequencer.response.status).toBe('failed');
    expect(sequencer.done).toBe(true);
  });

  it('leaves a failed end as it was', () => {
    const sequencer = sequencerFor();
    const out = [...sequencer.pushAll(structuredClone(upstream.slice(0, 3))), ...sequencer.end()];
    expect(sequencer.retractTerminal(failure)).toEqual([out.at(-1)]);
  });
});
