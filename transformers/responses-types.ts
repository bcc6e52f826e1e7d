// The Responses API shapes that travel through the pipeline, typed only as far as the gateway reads them.
// Everything else on these objects is kept as-is (an index signature), so nothing a provider sends is lost.

export type JsonObject = { [key: string]: unknown };

/** One output or input item (message, function_call, reasoning, web_search_call, …). */
export interface ResponseItem extends JsonObject {
  type: string;
  id?: string;
}

/**
 * One Responses stream event before the sequencer stamps `sequence_number`.
 * Providers produce these (native ones pass upstream events through; the Chat Completions
 * converter builds them); the sequencer numbers, repairs and folds them.
 */
export interface ResponsesEvent extends JsonObject {
  type: string;
  sequence_number?: number;
  /** Upstream's own `data:` text, while the event is exactly that text (see UPSTREAM_DATA). */
  [UPSTREAM_DATA]?: string;
}

/**
 * Where a native provider keeps a delta event's `data:` text as upstream sent it. The sequencer drops it
 * when it changes the event (a number other than upstream's, a field filled in); an event that still has
 * it is written out as that text, without being serialised again. Symbol-keyed, so JSON never sees it.
 */
export const UPSTREAM_DATA = Symbol('upstream data');

/**
 * An event's JSON text, made once: upstream's own while the event is still exactly it, else serialised and
 * kept on the event, so a background run's log (which counts it against its cap, then stores it) and its SSE
 * subscribers share one serialisation. Only for the run's own events that are final (numbered, about to be published).
 */
export function eventJson(event: ResponsesEvent): string {
  return (event[UPSTREAM_DATA] ??= JSON.stringify(event));
}

/** The delta events a native provider tags with UPSTREAM_DATA: nearly all of a stream's events. */
export const PASS_THROUGH_TYPES: ReadonlySet<string> = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
]);

/** A warning from a pure converter: something the target could not carry, never silently dropped. */
export interface ConversionWarning {
  /** Dotted path of the request field, e.g. `tools[2]` or `reasoning.summary`. */
  param: string;
  message: string;
}

/** Token usage in the Responses shape. */
export interface ResponseUsage extends JsonObject {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; [key: string]: unknown };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number; [key: string]: unknown };
  total_tokens: number;
}

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'incomplete';

/** The Response object (what GET returns, what terminal events carry). */
export interface ResponseObject extends JsonObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  model: string;
  output: ResponseItem[];
  /** `null` until the response has finished (or when upstream never reported it), as OpenAI sends it. */
  usage: ResponseUsage | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
}

/**
 * The events that end a stream. `response.cancelled` ends a cancelled background run: neither spec has a
 * stream event for it, so the gateway uses the name OpenAI's webhook gives that end (docs/api.md).
 */
export const TERMINAL_EVENT_TYPES = ['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled'] as const;
export type TerminalEventType = (typeof TERMINAL_EVENT_TYPES)[number];

export function isTerminalEventType(type: string): type is TerminalEventType {
  return type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed' || type === 'response.cancelled';
}
