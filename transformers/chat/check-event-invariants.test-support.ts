// Test support: checks that a converted event list is a well-formed Responses stream, and folds it with openai-node.
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import { expect } from 'vitest';
import { isTerminalEventType, type JsonObject, type ResponsesEvent } from '../responses-types.js';

/** What one open item has streamed so far. */
interface OpenItem {
  id: string;
  outputIndex: number;
  item: JsonObject;
  partOpen: boolean;
  partDone: boolean;
  text: string;
  annotations: unknown[];
}

export interface CheckedStream {
  /** The items of `output_item.done`, in output order. */
  items: JsonObject[];
  terminal: ResponsesEvent;
}

/**
 * One item at a time: `output_item.added` (contiguous output_index, status in_progress) → its part/deltas
 * (part opened before deltas; concatenated deltas equal every `.done` text) → `output_item.done` (same id and
 * index, status completed|incomplete). Exactly one terminal event, last; `error` only right before
 * `response.failed`. No sequence_number and no created/in_progress (the sequencer adds those).
 */
export function checkEventInvariants(events: ResponsesEvent[]): CheckedStream {
  const items: JsonObject[] = [];
  let open: OpenItem | undefined;

  events.forEach((event, position) => {
    const where = `event ${position} (${event.type})`;
    expect(event.sequence_number, where).toBeUndefined();
    expect(['response.created', 'response.in_progress', 'response.queued'], where).not.toContain(event.type);
    if (isTerminalEventType(event.type)) {
      expect(position, `${where}: terminal event must be last`).toBe(events.length - 1);
      expect(open, `${where}: an item is still open at the terminal event`).toBeUndefined();
      return;
    }
    if (event.type === 'error') {
      expect(events[position + 1]?.type, `${where}: error must precede response.failed`).toBe('response.failed');
      return;
    }
    if (event.type === 'response.output_item.added') {
      expect(open, `${where}: previous item not closed`).toBeUndefined();
      expect(event.output_index, where).toBe(items.length);
      const item = asObject(event.item);
      expect(item.status, where).toBe('in_progress');
      expect(typeof item.id, where).toBe('string');
      if (item.type === 'message') expect(item.content, where).toEqual([]);
      if (item.type === 'reasoning') expect(item.summary, where).toEqual([]);
      if (item.type === 'function_call') expect(item.arguments, where).toBe('');
      if (item.type === 'custom_tool_call') expect(item.input, where).toBe('');
      open = {
        id: String(item.id),
        outputIndex: items.length,
        item,
        partOpen: false,
        partDone: false,
        text: '',
        annotations: [],
      };
      return;
    }
    expect(open, `${where}: no item is open`).toBeDefined();
    const current = open as OpenItem;
    expect(event.output_index, where).toBe(current.outputIndex);
    if (event.type === 'response.output_item.done') {
      const item = asObject(event.item);
      expect(item.id, where).toBe(current.id);
      expect(['completed', 'incomplete'], where).toContain(item.status);
      expect(current.partOpen === current.partDone, `${where}: a part was opened and not closed`).toBe(true);
      checkFinalItem(item, current, where);
      items.push(item);
      open = undefined;
      return;
    }
    expect(event.item_id, where).toBe(current.id);
    checkContentEvent(event, current, where);
  });

  const terminals = events.filter((event) => isTerminalEventType(event.type));
  expect(terminals, 'exactly one terminal event').toHaveLength(1);
  return { items, terminal: terminals[0] };
}

function checkContentEvent(event: ResponsesEvent, open: OpenItem, where: string): void {
  switch (event.type) {
    case 'response.content_part.added':
    case 'response.reasoning_summary_part.added':
      expect(open.partOpen, `${where}: part opened twice`).toBe(false);
      expect(event.content_index ?? event.summary_index, where).toBe(0);
      open.partOpen = true;
      return;
    case 'response.output_text.delta':
    case 'response.refusal.delta':
    case 'response.reasoning_summary_text.delta':
    case 'response.reasoning_text.delta':
      expect(open.partOpen && !open.partDone, `${where}: delta outside an open part`).toBe(true);
      open.text += String(event.delta);
      return;
    case 'response.output_text.done':
    case 'response.reasoning_summary_text.done':
    case 'response.reasoning_text.done':
      expect(event.text, where).toBe(open.text);
      return;
    case 'response.refusal.done':
      expect(event.refusal, where).toBe(open.text);
      return;
    case 'response.output_text.annotation.added':
      expect(event.annotation_index, where).toBe(open.annotations.length);
      open.annotations.push(event.annotation);
      return;
    case 'response.content_part.done':
    case 'response.reasoning_summary_part.done': {
      const part = asObject(event.part);
      expect(part.text ?? part.refusal, where).toBe(open.text);
      open.partDone = true;
      return;
    }
    case 'response.function_call_arguments.delta':
    case 'response.custom_tool_call_input.delta':
      open.text += String(event.delta);
      return;
    case 'response.custom_tool_call_input.done':
      expect(event.input, where).toBe(open.text);
      return;
    case 'response.function_call_arguments.done':
      expect(event.arguments, where).toBe(open.text);
      expect(event.name, where).toBe(open.item.name);
      return;
    case 'response.web_search_call.in_progress':
    case 'response.web_search_call.searching':
    case 'response.web_search_call.completed':
      expect(open.item.type, where).toBe('web_search_call');
      return;
    default:
      throw new Error(`${where}: unexpected event type`);
  }
}

function checkFinalItem(item: JsonObject, open: OpenItem, where: string): void {
  switch (item.type) {
    case 'message': {
      const [part] = item.content as JsonObject[];
      expect(part.text ?? part.refusal, where).toBe(open.text);
      if (part.type === 'output_text') expect(part.annotations, where).toEqual(open.annotations);
      return;
    }
    case 'reasoning': {
      const summary = item.summary as JsonObject[];
      const content = (item.content ?? []) as JsonObject[];
      const texts = [...summary, ...content].map((part) => part.text).join('');
      expect(texts, where).toBe(open.text);
      return;
    }
    case 'function_call':
    case 'custom_tool_call':
      expect(item.type === 'function_call' ? item.arguments : item.input, where).toBe(open.text);
      expect(item.name, where).toBe(open.item.name);
      expect(item.namespace, where).toBe(open.item.namespace);
      expect(item.call_id, where).toBe(open.item.call_id);
      return;
    case 'web_search_call':
      expect(item.status, where).toBe('completed');
      expect(asObject(item.action).type, where).toBe('search');
      return;
    case 'tool_search_call':
      expect(open.text, `${where}: a tool search call has no delta events`).toBe('');
      expect(item.call_id, where).toBe(open.item.call_id);
      return;
    default:
      throw new Error(`${where}: unexpected item type ${String(item.type)}`);
  }
}

/**
 * Folds the events with the openai SDK's own accumulator (what SDK clients run); returns its output before the
 * terminal event. A converter's events (no `response.created`, not numbered) get a stand-in `response.created`
 * and numbers; a gateway stream is folded as it is. It throws on events it cannot place.
 */
export function foldWithOpenAiSdk(events: ResponsesEvent[]): unknown[] {
  const created = {
    type: 'response.created',
    sequence_number: 0,
    response: { id: 'resp_test', object: 'response', created_at: 0, status: 'in_progress', model: 'test', output: [] },
  };
  const stream = events[0]?.type === 'response.created' ? events : [created, ...events.map((event, position) => ({ ...event, sequence_number: position + 1 }))];
  // The SDK's types describe OpenAI's full objects; the test feeds it plain JSON on purpose.
  let snapshot: Response | undefined;
  for (const event of stream) {
    if (isTerminalEventType(event.type) || event.type === 'error') continue;
    snapshot = accumulateResponse(event as unknown as ResponseStreamEvent, snapshot);
  }
  return snapshot!.output;
}

function asObject(value: unknown): JsonObject {
  expect(typeof value).toBe('object');
  expect(value).not.toBeNull();
  return value as JsonObject;
}
