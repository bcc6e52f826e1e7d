// What every provider adapter offers the pipeline: open one upstream run and yield Responses events.
import type { ItemIdPrefix } from '../../transformers/chat/chat-stream-to-events.js';
import type { ConversionWarning, JsonObject, ResponseItem, ResponsesEvent } from '../../transformers/responses-types.js';
import type { ProviderConfig } from '../config/config-schema.js';
import type { UpstreamAbort } from './upstream-abort.js';

export interface UpstreamCall {
  /** The client's request body (validated), with everything the gateway does not read kept. */
  request: JsonObject;
  upstreamModel: string;
  /** Resolved history plus this turn's input. */
  input: string | ResponseItem[];
  /** How many items at the start of `input` are resolved history (kept out of the stored exchange). */
  historyLength: number;
  reasoningModel: boolean;
  maxOutputTokensCeiling: number;
  /** Mints item ids for converters that must invent them. */
  newItemId: (prefix: ItemIdPrefix) => string;
  signal: UpstreamAbort;
  captureExchange: boolean;
  /** The client request's id, sent upstream as X-Request-Id (absent for a run restart recovery planned again). */
  requestId?: string;
}

export interface UpstreamRun {
  /** Responses events in order, in the batches they arrived in (one per upstream chunk); ends with upstream's body. */
  events: AsyncIterable<ResponsesEvent[]>;
  warnings: ConversionWarning[];
  /** `responseBody` is upstream's body as it came (the JSON, or the SSE bytes of a stream), its first 4 MB and a marker when longer (see capturedBody). */
  exchange: { url: string; status: number; requestBody: string | Uint8Array; responseBody: () => string | Uint8Array };
}

/** A whole answer in one body, for a non-streaming client. */
export interface UpstreamCompletion {
  /** Upstream's Response object, as it sent it. */
  response: JsonObject;
  warnings: ConversionWarning[];
  exchange: UpstreamRun['exchange'];
}

export interface Provider {
  readonly name: string;
  readonly config: ProviderConfig;
  /** Sends the request; throws a GatewayError (upstream status and message) when upstream refuses it. */
  open(call: UpstreamCall): Promise<UpstreamRun>;
  /**
   * Asks for the whole answer in one body, where upstream can give it (native Responses providers): one
   * JSON parse instead of a stream of events folded again. An upstream that streams anyway answers with
   * its run, which the pipeline folds. Providers without it serve non-streaming clients from `open`.
   */
  complete?(call: UpstreamCall): Promise<UpstreamCompletion | UpstreamRun>;
  close(): Promise<void>;
}
