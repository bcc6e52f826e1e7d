// Turns a Chat Completions chunk stream into well-formed Responses stream events (no sequence numbers, no created).
import { z } from 'zod';
import type { JsonObject, ResponseUsage, ResponsesEvent } from '../responses-types.js';
import { chatChunkSchema } from './chat-chunk-schema.js';
import type { ChatToolCalls, ChatToolTarget } from './chat-tool-calls.js';
import { mapChatUsage } from './map-chat-usage.js';
import { mapFinishReason, type ChatOutcome } from './map-finish-reason.js';
import { mergeReasoningDetails } from './merge-reasoning-details.js';
import {
  annotationEvents,
  argumentsDeltaEvents,
  itemAddedEvents,
  itemDoneEvents,
  reasoningDeltaEvents,
  textDeltaEvents,
  type FunctionCallTrack,
  type ItemStatus,
  type MessageTrack,
  type OutputTrack,
  type ReasoningEventMode,
  type ReasoningTrack,
  type WebSearchTrack,
} from './output-item-events.js';
import { readChatDelta, type DeltaPart } from './read-chat-delta.js';

export type ItemIdPrefix = 'msg' | 'rs' | 'fc' | 'ws' | 'ctc' | 'tsc';

/** The item a Chat tool call becomes, by what its function stands for, and that item's id prefix (OpenAI's). */
const CALL_ITEMS = {
  function: { type: 'function_call', prefix: 'fc' },
  custom: { type: 'custom_tool_call', prefix: 'ctc' },
  tool_search: { type: 'tool_search_call', prefix: 'tsc' },
} as const satisfies Record<ChatToolTarget['kind'], { type: FunctionCallTrack['item']; prefix: ItemIdPrefix }>;

export interface ChatStreamOptions {
  /** Ids are passed in: transformers have no randomness. */
  newItemId: (prefix: ItemIdPrefix) => string;
  /** The request's namespaced and custom tools by Chat function name (toChatRequest's `toolCalls`). */
  toolCalls?: ChatToolCalls;
  /** 'summary' streams reasoning as reasoning_summary_* events, 'text' as reasoning_text events. */
  reasoningEvents: ReasoningEventMode;
  /**
   * The upstream searches the web before it answers (OpenRouter's web plugin, an `:online` model): the
   * output opens with a `web_search_call` item, as OpenAI's does.
   */
  webSearch?: boolean;
  /**
   * Leave reasoning_details out of the output: only OpenRouter takes them back, so from another server they
   * are of use to no one, and carried in `encrypted_content` they could reach OpenRouter as if its own.
   */
  dropReasoningDetails?: boolean;
}

export interface ChatStreamConverter {
  /** One parsed `data:` JSON chunk (the caller drops SSE comments and `[DONE]`). */
  push(chunk: unknown): ResponsesEvent[];
  /** End of the upstream stream: closes open items and emits exactly one terminal event (nothing if one was sent). */
  finish(): ResponsesEvent[];
  /**
   * How much of its end upstream has sent: servers that hold the connection open send no `[DONE]`, so the
   * caller stops reading once the answer is whole instead of waiting for the body to end.
   */
  endState(): ChatStreamEnd;
}

/** `open`: no finish_reason yet; `finished`: a finish_reason but no usage yet; `finished-with-usage`; `ended`: a terminal event was emitted (an error chunk). */
export type ChatStreamEnd = 'open' | 'finished' | 'finished-with-usage' | 'ended';

/**
 * One output item in output order (`outputIndex` is its position). Items are streamed one at a time, like
 * OpenAI does: only the head (the first item not yet closed) emits events; items behind it accumulate and are
 * replayed when they reach the head. Text and reasoning items are `sealed` as soon as the stream moves on to
 * another item; function calls only at the end, because parallel calls may interleave their fragments.
 */
interface Slot<T extends OutputTrack = OutputTrack> {
  track: T;
  outputIndex: number;
  stage: 'pending' | 'open' | 'closed';
  sealed: boolean;
}

interface StreamState {
  slots: Slot[];
  head: number;
  /** Reasoning details with no text that arrive after a message or call started: kept for a trailing item. */
  lateDetails: JsonObject[];
  finishReason: string | undefined;
  usage: ResponseUsage | undefined;
  /** The model that actually answered (OpenRouter fallbacks, dated snapshots), from the chunks. */
  model: string | undefined;
  /** Whether a web_search_call item was opened; without one, cited pages get a trailing one. */
  searched: boolean;
  /** The pages the answer cites (url_citation annotations), each once. */
  citedUrls: string[];
  ended: boolean;
}

export function createChatStreamConverter(options: ChatStreamOptions): ChatStreamConverter {
  const state: StreamState = {
    slots: [],
    head: 0,
    lateDetails: [],
    finishReason: undefined,
    usage: undefined,
    model: undefined,
    searched: false,
    citedUrls: [],
    ended: false,
  };
  const mode = options.reasoningEvents;

  function push(chunk: unknown): ResponsesEvent[] {
    if (state.ended) return [];
    const parsed = chatChunkSchema.safeParse(chunk);
    if (!parsed.success) {
      const reason = z.prettifyError(parsed.error).replace(/\s*\n\s*/g, ' ');
      return end({ status: 'failed', code: 'server_error', message: `The upstream sent an invalid chunk: ${reason}` });
    }
    const data = parsed.data;
    if (data.model) state.model = data.model;
    if (data.usage) state.usage = mapChatUsage(data.usage);

    const events: ResponsesEvent[] = [];
    for (const choice of data.choices ?? []) {
      // The gateway never asks for n > 1; other choices cannot occur.
      if ((choice.index ?? 0) !== 0) continue;
      for (const part of readChatDelta(choice)) {
        events.push(...applyPart(part));
        events.push(...advance(undefined));
      }
      // finish_reason may be repeated on consecutive chunks; the first one is the one that counts.
      if (choice.finish_reason && state.finishReason === undefined) state.finishReason = choice.finish_reason;
    }
    if (data.error) {
      // OpenRouter's mid-stream error (HTTP 200). It wins over an earlier finish_reason: the run did not end well.
      const code = data.error.code === null || data.error.code === undefined ? 'server_error' : String(data.error.code);
      events.push(...end({ status: 'failed', code, message: data.error.message ?? 'The upstream reported an error.' }));
    }
    return events;
  }

  function finish(): ResponsesEvent[] {
    if (state.ended) return [];
    if (state.finishReason === undefined) {
      return end({
        status: 'failed',
        code: 'server_error',
        message: 'The upstream stream ended before a finish_reason: the response was cut short.',
      });
    }
    return end(mapFinishReason(state.finishReason));
  }

  function endState(): ChatStreamEnd {
    if (state.ended) return 'ended';
    if (state.finishReason === undefined) return 'open';
    return state.usage === undefined ? 'finished' : 'finished-with-usage';
  }

  /** Closes every item, then the `error` event when failed, then the one terminal event. */
  function end(outcome: ChatOutcome): ResponsesEvent[] {
    if (state.lateDetails.length > 0) addLateDetails();
    // Citations prove a search the request did not announce (a model that searches on its own): it is shown
    // after the answer, since the answer has already been streamed.
    if (!state.searched && state.citedUrls.length > 0) addSlot(webSearchTrack(state.citedUrls), true);
    const events = advance(outcome.status === 'completed' ? 'completed' : 'incomplete');
    if (outcome.status === 'failed') {
      events.push({
        type: 'error',
        error: { type: 'upstream_error', code: outcome.code, message: outcome.message, param: null },
      });
    }
    events.push(terminalEvent(outcome));
    state.ended = true;
    return events;
  }

  function applyPart(part: DeltaPart): ResponsesEvent[] {
    switch (part.type) {
      case 'reasoning':
        if (options.dropReasoningDetails) return part.text === '' ? [] : addReasoning(part.text, []);
        return addReasoning(part.text, part.details);
      case 'text':
        return addText('output_text', part.text, part.logprobs);
      case 'refusal':
        return addText('refusal', part.text, []);
      case 'annotations':
        return addAnnotations(part.annotations);
      case 'tool-call':
        return addToolCall(part);
      default:
        return assertNever(part);
    }
  }

  function addReasoning(text: string, details: JsonObject[]): ResponsesEvent[] {
    const current = currentSlot();
    let slot: Slot<ReasoningTrack>;
    if (current !== undefined && isSlotOf(current, 'reasoning')) {
      slot = current;
    } else if (text === '' && current !== undefined) {
      // A bare signature or encrypted blob arriving mid-message must not split the message in two.
      state.lateDetails = mergeReasoningDetails(state.lateDetails, details);
      return [];
    } else {
      slot = startSlot({ kind: 'reasoning', id: options.newItemId('rs'), text: '', details: [] });
    }
    const track = slot.track;
    const hadText = track.text !== '';
    track.text += text;
    track.details = mergeReasoningDetails(track.details, details);
    if (slot.stage !== 'open' || text === '') return [];
    return reasoningDeltaEvents(track, slot.outputIndex, mode, text, hadText);
  }

  function addText(part: MessageTrack['part'], text: string, logprobs: JsonObject[]): ResponsesEvent[] {
    const slot = messageSlot(part);
    const track = slot.track;
    track.text += text;
    track.logprobs.push(...logprobs);
    return slot.stage === 'open' ? textDeltaEvents(track, slot.outputIndex, text, logprobs) : [];
  }

  function addAnnotations(annotations: JsonObject[]): ResponsesEvent[] {
    const slot = messageSlot('output_text');
    const track = slot.track;
    const firstIndex = track.annotations.length;
    track.annotations.push(...annotations);
    for (const annotation of annotations) {
      if (annotation.type === 'url_citation' && typeof annotation.url === 'string' && !state.citedUrls.includes(annotation.url)) state.citedUrls.push(annotation.url);
    }
    return slot.stage === 'open' ? annotationEvents(track, slot.outputIndex, annotations, firstIndex) : [];
  }

  function addToolCall(part: Extract<DeltaPart, { type: 'tool-call' }>): ResponsesEvent[] {
    let slot = state.slots
      .filter((candidate) => isSlotOf(candidate, 'function_call'))
      .findLast((candidate) => candidate.track.upstreamIndex === part.index);
    // Some servers number every parallel call 0; a new upstream id on a known index is a new call.
    if (slot === undefined || (part.callId && slot.track.callId !== part.callId)) {
      const target = part.name ? options.toolCalls?.get(part.name) : undefined;
      const item = CALL_ITEMS[target?.kind ?? 'function'];
      const id = options.newItemId(item.prefix);
      // With no upstream id, the item id stands in so that the client still has a call_id to answer.
      const track: FunctionCallTrack = {
        kind: 'function_call',
        item: item.type,
        id,
        upstreamIndex: part.index,
        callId: part.callId ?? id,
        name: target?.name ?? part.name ?? '',
        arguments: '',
      };
      if (target?.namespace !== undefined) track.namespace = target.namespace;
      slot = startSlot(track);
    }
    const track = slot.track;
    if (part.name && track.name === '') nameLateCall(track, part.name);
    track.arguments += part.arguments;
    if (slot.stage !== 'open' || part.arguments === '') return [];
    return argumentsDeltaEvents(track, slot.outputIndex, part.arguments);
  }

  /** A name after the first fragment (rare): the item is already announced as a function call; only the names map. */
  function nameLateCall(track: FunctionCallTrack, name: string): void {
    const target = options.toolCalls?.get(name);
    track.name = target?.name ?? name;
    if (target?.namespace !== undefined) track.namespace = target.namespace;
  }

  function messageSlot(part: MessageTrack['part']): Slot<MessageTrack> {
    const slot = currentSlot();
    if (slot !== undefined && isSlotOf(slot, 'message') && slot.track.part === part) return slot;
    return startSlot({ kind: 'message', id: options.newItemId('msg'), part, text: '', annotations: [], logprobs: [] });
  }

  function addLateDetails(): void {
    const slot = currentSlot();
    if (slot !== undefined && isSlotOf(slot, 'reasoning') && slot.stage !== 'closed') {
      slot.track.details = mergeReasoningDetails(slot.track.details, state.lateDetails);
    } else {
      const track = { kind: 'reasoning' as const, id: options.newItemId('rs'), text: '', details: state.lateDetails };
      startSlot(track);
    }
    state.lateDetails = [];
  }

  /** The item that receives text and reasoning: the last one started. */
  function currentSlot(): Slot | undefined {
    return state.slots.at(-1);
  }

  function startSlot<T extends OutputTrack>(track: T): Slot<T> {
    // The search ran before the model wrote anything: its item comes first, already complete.
    if (options.webSearch && !state.searched) addSlot(webSearchTrack([]), true);
    const previous = currentSlot();
    if (previous && previous.track.kind !== 'function_call') previous.sealed = true;
    return addSlot(track, false);
  }

  function addSlot<T extends OutputTrack>(track: T, sealed: boolean): Slot<T> {
    if (track.kind === 'web_search_call') state.searched = true;
    const slot: Slot<T> = { track, outputIndex: state.slots.length, stage: 'pending', sealed };
    state.slots.push(slot);
    return slot;
  }

  function webSearchTrack(sources: string[]): WebSearchTrack {
    return { kind: 'web_search_call', id: options.newItemId('ws'), sources: [...sources] };
  }

  /**
   * Opens the head item and closes it once sealed, moving on to the next; with `finalStatus` (the end of the
   * stream) every remaining item is closed, unsealed ones with that status.
   */
  function advance(finalStatus: ItemStatus | undefined): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    while (state.head < state.slots.length) {
      const slot = state.slots[state.head];
      if (slot.stage === 'pending') {
        events.push(...itemAddedEvents(slot.track, slot.outputIndex, mode));
        slot.stage = 'open';
      }
      const status = slot.sealed ? 'completed' : finalStatus;
      if (status === undefined) break;
      events.push(...itemDoneEvents(slot.track, slot.outputIndex, status, mode));
      slot.stage = 'closed';
      state.head += 1;
    }
    return events;
  }

  function terminalEvent(outcome: ChatOutcome): ResponsesEvent {
    const response: JsonObject = { status: outcome.status, incomplete_details: null, error: null };
    switch (outcome.status) {
      case 'completed':
        break;
      case 'incomplete':
        response.incomplete_details = { reason: outcome.reason };
        break;
      case 'failed':
        response.error = { code: outcome.code, message: outcome.message };
        break;
      default:
        return assertNever(outcome);
    }
    response.usage = state.usage ?? null;
    if (state.model !== undefined) response.model = state.model;
    return { type: `response.${outcome.status}`, response };
  }

  return { push, finish, endState };
}

function isSlotOf<K extends OutputTrack['kind']>(
  slot: Slot,
  kind: K,
): slot is Slot<Extract<OutputTrack, { kind: K }>> {
  return slot.track.kind === kind;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
