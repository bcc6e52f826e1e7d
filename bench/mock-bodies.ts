// Pre-serialised answers of the mock upstream (Responses and Chat Completions, JSON and SSE): built once per profile, stamped with fresh ids per request.
import type { MockProfile } from './mock-profile.js';

export type MockShape = 'responses' | 'chat';

/** One answer, ready to write: a JSON body, or a stream of SSE frames read by index. */
export type MockAnswer = { kind: 'json'; body: string } | { kind: 'sse'; count: number; frame: (index: number) => string };

export interface MockIds {
  responseId: string;
  itemId: string;
}

type Template = (ids: MockIds) => string;
type SseEvent = { type: string; [field: string]: unknown };
type Compiled = { kind: 'json'; body: Template } | { kind: 'sse'; count: number; build: (ids: MockIds) => (index: number) => string };

const RID = '@RID@';
const MID = '@MID@';
const CREATED_AT = 1_760_000_000;
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';

/** ASCII text of exactly `bytes` characters, safe inside a JSON string. */
export function fillerText(bytes: number): string {
  const n = Math.max(0, bytes);
  return FILLER.repeat(Math.ceil(n / FILLER.length) + 1).slice(0, n);
}

/** Splits a serialised template on its id placeholders, so that stamping ids is a few concatenations. */
function compile(text: string): Template {
  const parts = text.split(/(@RID@|@MID@)/);
  return (ids) => {
    let out = '';
    for (const part of parts) out += part === RID ? ids.responseId : part === MID ? ids.itemId : part;
    return out;
  };
}

function sse(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

function messageItem(text: string, status: 'in_progress' | 'completed'): object {
  const content = status === 'completed' ? [{ type: 'output_text', annotations: [], logprobs: [], text }] : [];
  return { id: MID, type: 'message', status, role: 'assistant', content };
}

function responseObject(model: string, status: 'in_progress' | 'completed', text: string | null): object {
  return {
    id: RID,
    object: 'response',
    created_at: CREATED_AT,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: text === null ? [] : [messageItem(text, 'completed')],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage:
      text === null
        ? null
        : {
            input_tokens: 100,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: Math.ceil(text.length / 4),
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 100 + Math.ceil(text.length / 4),
          },
    metadata: {},
  };
}

function chatCompletion(model: string, text: string): object {
  return {
    id: RID,
    object: 'chat.completion',
    created: CREATED_AT,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: Math.ceil(text.length / 4), total_tokens: 100 + Math.ceil(text.length / 4) },
  };
}

/** A JSON body padded so that its whole length is about `bodyBytes`. */
function jsonBody(shape: MockShape, model: string, bodyBytes: number): Template {
  const make = (text: string): object => (shape === 'responses' ? responseObject(model, 'completed', text) : chatCompletion(model, text));
  const base = JSON.stringify(make('')).length;
  return compile(JSON.stringify(make(fillerText(Math.max(1, bodyBytes - base)))));
}

function responsesStream(model: string, profile: MockProfile): Compiled {
  const deltas = Math.max(1, profile.events - 8);
  const chunk = fillerText(Math.max(1, Math.ceil(profile.bodyBytes / deltas)));
  const text = chunk.repeat(deltas);
  const part = { type: 'output_text', annotations: [], logprobs: [], text };
  const head: SseEvent[] = [
    { type: 'response.created', response: responseObject(model, 'in_progress', null) },
    { type: 'response.in_progress', response: responseObject(model, 'in_progress', null) },
    { type: 'response.output_item.added', output_index: 0, item: messageItem('', 'in_progress') },
    { type: 'response.content_part.added', item_id: MID, output_index: 0, content_index: 0, part: { ...part, text: '' } },
  ];
  const tail: SseEvent[] = [
    { type: 'response.output_text.done', item_id: MID, output_index: 0, content_index: 0, logprobs: [], text },
    { type: 'response.content_part.done', item_id: MID, output_index: 0, content_index: 0, part },
    { type: 'response.output_item.done', output_index: 0, item: messageItem(text, 'completed') },
    { type: 'response.completed', response: responseObject(model, 'completed', text) },
  ];
  // sequence_number goes last so that a frame is a fixed prefix, the number, and a fixed suffix.
  const frame = (event: SseEvent, seq: number | '@SEQ@'): string =>
    sse(event.type, JSON.stringify({ ...event, sequence_number: seq }).replace('"@SEQ@"', '@SEQ@'));
  const headT = head.map((e, i) => compile(frame(e, i)));
  const tailT = tail.map((e, i) => compile(frame(e, head.length + deltas + i)));
  const deltaT = compile(
    frame({ type: 'response.output_text.delta', item_id: MID, output_index: 0, content_index: 0, delta: chunk, logprobs: [] }, '@SEQ@'),
  );
  const count = head.length + deltas + tail.length;
  return {
    kind: 'sse',
    count,
    build: (ids) => {
      const [before, after] = deltaT(ids).split('@SEQ@') as [string, string];
      const fixed = new Map<number, string>();
      headT.forEach((t, i) => fixed.set(i, t(ids)));
      tailT.forEach((t, i) => fixed.set(head.length + deltas + i, t(ids)));
      return (index) => fixed.get(index) ?? before + index + after;
    },
  };
}

function chatStream(model: string, profile: MockProfile): Compiled {
  const deltas = Math.max(1, profile.events - 4);
  const chunk = fillerText(Math.max(1, Math.ceil(profile.bodyBytes / deltas)));
  const base = { id: RID, object: 'chat.completion.chunk', created: CREATED_AT, model };
  const data = (o: object): string => `data: ${JSON.stringify({ ...base, ...o })}\n\n`;
  const first = compile(data({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }));
  const delta = compile(data({ choices: [{ index: 0, delta: { content: chunk }, logprobs: null, finish_reason: null }] }));
  const finish = compile(data({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
  const usage = compile(
    data({ choices: [], usage: { prompt_tokens: 100, completion_tokens: Math.ceil((chunk.length * deltas) / 4), total_tokens: 100 + Math.ceil((chunk.length * deltas) / 4) } }),
  );
  const count = deltas + 4;
  return {
    kind: 'sse',
    count,
    build: (ids) => {
      const frames = [first(ids), delta(ids), finish(ids), usage(ids), 'data: [DONE]\n\n'] as const;
      return (index) => (index === 0 ? frames[0] : index <= deltas ? frames[1] : frames[index - deltas + 1] ?? '');
    },
  };
}

const cache = new Map<string, Compiled>();

/** The answer for one request; templates are cached per shape, mode and model name. */
export function mockAnswer(shape: MockShape, stream: boolean, model: string, profile: MockProfile, ids: MockIds): MockAnswer {
  const key = `${shape}|${stream}|${model}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    if (!stream) compiled = { kind: 'json', body: jsonBody(shape, model, profile.bodyBytes) };
    else compiled = shape === 'responses' ? responsesStream(model, profile) : chatStream(model, profile);
    cache.set(key, compiled);
  }
  if (compiled.kind === 'json') return { kind: 'json', body: compiled.body(ids) };
  return { kind: 'sse', count: compiled.count, frame: compiled.build(ids) };
}
