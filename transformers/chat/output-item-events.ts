// The Responses events for one output item built from a Chat stream: opening it, its deltas, closing it.
import type { JsonObject, ResponseItem, ResponsesEvent } from '../responses-types.js';
import { customInputFromArguments } from './chat-tool-calls.js';
import { encodeReasoningDetails } from './reasoning-details-codec.js';

export type ReasoningEventMode = 'summary' | 'text';
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** What the converter accumulates for one output item, before and while it is streamed. */
export type OutputTrack = ReasoningTrack | MessageTrack | FunctionCallTrack | WebSearchTrack;

export interface ReasoningTrack {
  kind: 'reasoning';
  id: string;
  text: string;
  /** OpenRouter reasoning_details, merged; they end up in `encrypted_content`. */
  details: JsonObject[];
}

export interface MessageTrack {
  kind: 'message';
  id: string;
  part: 'output_text' | 'refusal';
  text: string;
  annotations: JsonObject[];
  logprobs: JsonObject[];
}

/**
 * A Chat tool call; `item` says what it is in Responses (a custom tool's or a client tool search's call comes
 * from its stand-in function).
 */
export interface FunctionCallTrack {
  kind: 'function_call';
  item: 'function_call' | 'custom_tool_call' | 'tool_search_call';
  id: string;
  upstreamIndex: number;
  callId: string;
  /** The Responses name (for a namespaced tool, its name inside the namespace). */
  name: string;
  namespace?: string;
  /** As the model streams them: for a custom tool, the JSON that holds its input. */
  arguments: string;
}

/** A web search the upstream ran (OpenRouter's web plugin, an `:online` model), shown as OpenAI shows its own. */
export interface WebSearchTrack {
  kind: 'web_search_call';
  id: string;
  /** The cited pages, when they are known before the item closes. */
  sources: string[];
}

/** `output_item.added` and, for a track that already holds data (it was waiting its turn), that data as deltas. */
export function itemAddedEvents(track: OutputTrack, outputIndex: number, mode: ReasoningEventMode): ResponsesEvent[] {
  switch (track.kind) {
    case 'reasoning': {
      const item: ResponseItem = { id: track.id, type: 'reasoning', status: 'in_progress', summary: [] };
      if (mode === 'text') item.content = [];
      const events: ResponsesEvent[] = [{ type: 'response.output_item.added', output_index: outputIndex, item }];
      if (track.text !== '') events.push(...reasoningDeltaEvents(track, outputIndex, mode, track.text, false));
      return events;
    }
    case 'message': {
      const item: ResponseItem = { id: track.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      const events: ResponsesEvent[] = [
        { type: 'response.output_item.added', output_index: outputIndex, item },
        { type: 'response.content_part.added', ...partAddress(track, outputIndex), part: emptyPart(track) },
      ];
      if (track.text !== '') events.push(...textDeltaEvents(track, outputIndex, track.text, track.logprobs));
      events.push(...annotationEvents(track, outputIndex, track.annotations, 0));
      return events;
    }
    case 'function_call': {
      const item = track.item === 'tool_search_call' ? toolSearchCallItem(track, 'in_progress', {}) : toolCallItem(track, 'in_progress', '');
      const events: ResponsesEvent[] = [{ type: 'response.output_item.added', output_index: outputIndex, item }];
      if (track.arguments !== '') events.push(...argumentsDeltaEvents(track, outputIndex, track.arguments));
      return events;
    }
    case 'web_search_call': {
      // OpenAI announces the item without `action`, which its spec requires; the search action is known here.
      const item: ResponseItem = { id: track.id, type: 'web_search_call', status: 'in_progress', action: { type: 'search' } };
      const address = { item_id: track.id, output_index: outputIndex };
      return [
        { type: 'response.output_item.added', output_index: outputIndex, item },
        { type: 'response.web_search_call.in_progress', ...address },
        { type: 'response.web_search_call.searching', ...address },
      ];
    }
    default:
      return assertNever(track);
  }
}

/** A reasoning delta; the summary part / reasoning_text part is opened with the first text (`hadText` false). */
export function reasoningDeltaEvents(
  track: ReasoningTrack,
  outputIndex: number,
  mode: ReasoningEventMode,
  delta: string,
  hadText: boolean,
): ResponsesEvent[] {
  const events: ResponsesEvent[] = [];
  if (mode === 'summary') {
    const address = { item_id: track.id, output_index: outputIndex, summary_index: 0 };
    if (!hadText) events.push({ type: 'response.reasoning_summary_part.added', ...address, part: summaryPart('') });
    events.push({ type: 'response.reasoning_summary_text.delta', ...address, delta });
  } else {
    const address = { item_id: track.id, output_index: outputIndex, content_index: 0 };
    if (!hadText) events.push({ type: 'response.content_part.added', ...address, part: reasoningTextPart('') });
    events.push({ type: 'response.reasoning_text.delta', ...address, delta });
  }
  return events;
}

export function textDeltaEvents(
  track: MessageTrack,
  outputIndex: number,
  delta: string,
  logprobs: JsonObject[],
): ResponsesEvent[] {
  if (track.part === 'refusal') {
    return [{ type: 'response.refusal.delta', ...partAddress(track, outputIndex), delta }];
  }
  return [{ type: 'response.output_text.delta', ...partAddress(track, outputIndex), delta, logprobs }];
}

export function annotationEvents(
  track: MessageTrack,
  outputIndex: number,
  annotations: JsonObject[],
  firstIndex: number,
): ResponsesEvent[] {
  return annotations.map((annotation, offset) => ({
    type: 'response.output_text.annotation.added',
    ...partAddress(track, outputIndex),
    annotation_index: firstIndex + offset,
    annotation,
  }));
}

/**
 * A custom call's input is inside JSON until the call ends; it is streamed whole, at the end (itemDoneEvents).
 * A tool search call has no delta events at all: its arguments are an object, in `output_item.done`.
 */
export function argumentsDeltaEvents(track: FunctionCallTrack, outputIndex: number, delta: string): ResponsesEvent[] {
  if (track.item !== 'function_call') return [];
  return [{ type: 'response.function_call_arguments.delta', item_id: track.id, output_index: outputIndex, delta }];
}

/** The `.done` events of the item's content, then `output_item.done` with the whole item. */
export function itemDoneEvents(
  track: OutputTrack,
  outputIndex: number,
  status: ItemStatus,
  mode: ReasoningEventMode,
): ResponsesEvent[] {
  switch (track.kind) {
    case 'reasoning':
      return [...reasoningDoneEvents(track, outputIndex, mode), itemDone(outputIndex, reasoningItem(track, status, mode))];
    case 'message': {
      const part = finalPart(track);
      const address = partAddress(track, outputIndex);
      const textDone: ResponsesEvent =
        track.part === 'refusal'
          ? { type: 'response.refusal.done', ...address, refusal: track.text }
          : { type: 'response.output_text.done', ...address, text: track.text, logprobs: [...track.logprobs] };
      const item: ResponseItem = { id: track.id, type: 'message', status, role: 'assistant', content: [part] };
      return [textDone, { type: 'response.content_part.done', ...address, part }, itemDone(outputIndex, item)];
    }
    case 'function_call': {
      const address = { item_id: track.id, output_index: outputIndex };
      if (track.item === 'tool_search_call') {
        return [itemDone(outputIndex, toolSearchCallItem(track, status, searchArguments(track.arguments)))];
      }
      if (track.item === 'custom_tool_call') {
        const input = customInputFromArguments(track.arguments);
        const events: ResponsesEvent[] = [];
        if (input !== '') events.push({ type: 'response.custom_tool_call_input.delta', ...address, delta: input });
        events.push({ type: 'response.custom_tool_call_input.done', ...address, input });
        events.push(itemDone(outputIndex, toolCallItem(track, status, input)));
        return events;
      }
      // A call to a parameterless tool may stream no arguments at all; `{}` is what the client can parse.
      const events = track.arguments === '' ? argumentsDeltaEvents(track, outputIndex, '{}') : [];
      const args = track.arguments === '' ? '{}' : track.arguments;
      events.push({ type: 'response.function_call_arguments.done', ...address, name: track.name, arguments: args });
      events.push(itemDone(outputIndex, toolCallItem(track, status, args)));
      return events;
    }
    case 'web_search_call': {
      const action: JsonObject = { type: 'search' };
      if (track.sources.length > 0) action.sources = track.sources.map((url) => ({ type: 'url', url }));
      // The search itself ran whatever became of the answer after it.
      const item: ResponseItem = { id: track.id, type: 'web_search_call', status: 'completed', action };
      return [{ type: 'response.web_search_call.completed', item_id: track.id, output_index: outputIndex }, itemDone(outputIndex, item)];
    }
    default:
      return assertNever(track);
  }
}

/** `value` is the arguments of a function call, the input of a custom tool call. */
function toolCallItem(track: FunctionCallTrack, status: ItemStatus, value: string): ResponseItem {
  const item: ResponseItem = { id: track.id, type: track.item, status, call_id: track.callId };
  if (track.namespace !== undefined) item.namespace = track.namespace;
  item.name = track.name;
  item[track.item === 'custom_tool_call' ? 'input' : 'arguments'] = value;
  return item;
}

function toolSearchCallItem(track: FunctionCallTrack, status: ItemStatus, args: unknown): ResponseItem {
  return { id: track.id, type: 'tool_search_call', status, call_id: track.callId, execution: 'client', arguments: args };
}

/** The search's arguments are an object in Responses; arguments that are not JSON are passed on as the string. */
function searchArguments(args: string): unknown {
  if (args === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

function reasoningDoneEvents(track: ReasoningTrack, outputIndex: number, mode: ReasoningEventMode): ResponsesEvent[] {
  if (track.text === '') return [];
  if (mode === 'summary') {
    const address = { item_id: track.id, output_index: outputIndex, summary_index: 0 };
    return [
      { type: 'response.reasoning_summary_text.done', ...address, text: track.text },
      { type: 'response.reasoning_summary_part.done', ...address, part: summaryPart(track.text) },
    ];
  }
  const address = { item_id: track.id, output_index: outputIndex, content_index: 0 };
  return [
    { type: 'response.reasoning_text.done', ...address, text: track.text },
    { type: 'response.content_part.done', ...address, part: reasoningTextPart(track.text) },
  ];
}

function reasoningItem(track: ReasoningTrack, status: ItemStatus, mode: ReasoningEventMode): ResponseItem {
  const item: ResponseItem = { id: track.id, type: 'reasoning', status, summary: [] };
  if (mode === 'summary' && track.text !== '') item.summary = [summaryPart(track.text)];
  if (mode === 'text') item.content = track.text === '' ? [] : [reasoningTextPart(track.text)];
  if (track.details.length > 0) item.encrypted_content = encodeReasoningDetails(track.details);
  return item;
}

function itemDone(outputIndex: number, item: ResponseItem): ResponsesEvent {
  return { type: 'response.output_item.done', output_index: outputIndex, item };
}

function partAddress(track: MessageTrack, outputIndex: number) {
  return { item_id: track.id, output_index: outputIndex, content_index: 0 };
}

function emptyPart(track: MessageTrack): JsonObject {
  return track.part === 'refusal'
    ? { type: 'refusal', refusal: '' }
    : { type: 'output_text', text: '', annotations: [], logprobs: [] };
}

function finalPart(track: MessageTrack): JsonObject {
  return track.part === 'refusal'
    ? { type: 'refusal', refusal: track.text }
    : { type: 'output_text', text: track.text, annotations: [...track.annotations], logprobs: [...track.logprobs] };
}

function summaryPart(text: string): JsonObject {
  return { type: 'summary_text', text };
}

function reasoningTextPart(text: string): JsonObject {
  return { type: 'reasoning_text', text };
}

function assertNever(value: never): never {
  throw new Error(`Unhandled output track: ${JSON.stringify(value)}`);
}
