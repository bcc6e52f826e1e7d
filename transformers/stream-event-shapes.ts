// Small shapes the sequencer builds or reads: error events both ways, empty items, fields upstreams leave off.
import type { JsonObject, ResponseItem, ResponsesEvent, TerminalEventType } from './responses-types.js';

/** The response status each terminal event sets. */
export const STATUS_OF: Record<TerminalEventType, 'completed' | 'incomplete' | 'failed' | 'cancelled'> = {
  'response.completed': 'completed',
  'response.incomplete': 'incomplete',
  'response.failed': 'failed',
  'response.cancelled': 'cancelled',
};

export interface StreamFailure {
  code: string;
  message: string;
  type?: string;
}

/** Whether upstream's final output holds the items that were streamed (same ids, same types, same order). */
export function sameItems(upstream: unknown, folded: ResponseItem[]): boolean {
  if (!Array.isArray(upstream) || upstream.length !== folded.length || folded.length === 0) return false;
  return upstream.every((item: JsonObject, i) => item?.id === folded[i]!.id && item?.type === folded[i]!.type);
}

export function emptyItem(type: string): ResponseItem {
  switch (type) {
    case 'message':
      return { type, role: 'assistant', content: [] };
    case 'reasoning':
      return { type, summary: [] };
    case 'function_call':
      return { type, call_id: '', name: '', arguments: '' };
    case 'custom_tool_call':
      return { type, call_id: '', name: '', input: '' };
    default:
      return { type };
  }
}

/** Older streams and xAI leave `logprobs` off output text, which the spec requires; an empty list says the same. */
export function withLogprobs(part: JsonObject | undefined): void {
  if (part?.type === 'output_text' && part.logprobs === undefined) part.logprobs = [];
}

/** Upstreams send the error event nested (`{error:{…}}`, OpenAI's wire) or flat (the spec); accept both. */
export function readFailure(event: ResponsesEvent): StreamFailure {
  const nested = (event.error ?? {}) as JsonObject;
  const code = nested.code ?? event.code ?? nested.type ?? 'server_error';
  const message = nested.message ?? event.message ?? 'The upstream reported an error.';
  const type = nested.type ?? event.error_type;
  return { code: String(code), message: String(message), ...(typeof type === 'string' ? { type } : {}) };
}

/** Both shapes at once: the spec's flat fields and the nested object OpenAI actually sends. */
export function errorEvent(failure: StreamFailure): ResponsesEvent {
  const error = { type: failure.type ?? failure.code, code: failure.code, message: failure.message, param: null };
  return { type: 'error', code: failure.code, message: failure.message, param: null, error };
}
