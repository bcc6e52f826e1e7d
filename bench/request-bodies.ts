// Client request bodies for the benchmark: Responses and Chat Completions, with an input of a chosen size as one string or as an item array.
import { fillerText } from './mock-bodies.js';

export type InputKind = 'string' | 'items';

export interface BodyOptions {
  model: string;
  inputBytes: number;
  inputKind?: InputKind;
  stream?: boolean;
  store?: boolean;
  background?: boolean;
  previousResponseId?: string;
}

const ITEM_TEXT_BYTES = 1024;

export interface InputMessage {
  type: 'message';
  role: 'user' | 'assistant';
  content: Array<{ type: 'input_text' | 'output_text'; text: string }>;
}

/** About `bytes` of input: one string, or user messages of about 1 KB each. */
export function makeInput(bytes: number, kind: InputKind): string | InputMessage[] {
  if (kind === 'string') return fillerText(bytes);
  const items: InputMessage[] = [];
  for (let left = bytes; left > 0; left -= ITEM_TEXT_BYTES) {
    items.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: fillerText(Math.min(ITEM_TEXT_BYTES, left)) }] });
  }
  return items;
}

export function responsesBody(o: BodyOptions): string {
  return JSON.stringify({
    model: o.model,
    input: makeInput(o.inputBytes, o.inputKind ?? 'string'),
    ...(o.stream === true ? { stream: true } : {}),
    ...(o.store === undefined ? {} : { store: o.store }),
    ...(o.background === true ? { background: true } : {}),
    ...(o.previousResponseId === undefined ? {} : { previous_response_id: o.previousResponseId }),
  });
}

export function chatBody(o: BodyOptions): string {
  return JSON.stringify({
    model: o.model,
    messages: [{ role: 'user', content: fillerText(o.inputBytes) }],
    ...(o.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}
