// Native Responses providers (OpenAI, xAI): forward the request, pass upstream's events (or its one JSON body) through.
import { toResponsesBody } from '../../transformers/to-responses-body.js';
import { PASS_THROUGH_TYPES, UPSTREAM_DATA, type JsonObject, type ResponsesEvent } from '../../transformers/responses-types.js';
import type { LimitsConfig, ProviderConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Provider, UpstreamCall, UpstreamCompletion, UpstreamRun } from './provider.js';
import { readSse } from './read-sse.js';
import { readUpstreamBody, type UpstreamReading } from './read-upstream-body.js';
import { HISTORY_MARKER, createUpstreamTarget, openUpstream, type OpenedUpstream } from './upstream-pool.js';

export function createOpenAIResponsesProvider(name: string, config: ProviderConfig, limits: LimitsConfig): Provider {
  const target = createUpstreamTarget(name, config, limits);

  const send = async (call: UpstreamCall, stream: boolean): Promise<OpenedUpstream & { warnings: UpstreamRun['warnings'] }> => {
    const { body, warnings } = toResponsesBody(call.request, {
      upstreamModel: call.upstreamModel,
      input: call.input,
      quirks: config.quirks,
      reasoningModel: call.reasoningModel,
      maxOutputTokensCeiling: call.maxOutputTokensCeiling,
      stream,
    });
    // A chain's history is stored once, as its items: the stored request shows this turn and a count.
    const logged = () => ({ ...body, input: (body.input as unknown[]).slice(call.historyLength), [HISTORY_MARKER]: call.historyLength });
    const options = {
      signal: call.signal,
      captureExchange: call.captureExchange,
      requestId: call.requestId,
      accept: stream ? 'text/event-stream' : 'application/json',
      contentTypes: stream ? ['text/event-stream'] : ['application/json', 'text/event-stream'],
    };
    const opened = await openUpstream(name, target, '/responses', body, options, call.historyLength > 0 ? logged : undefined);
    return { ...opened, warnings };
  };

  return {
    name,
    config,
    async open(call: UpstreamCall): Promise<UpstreamRun> {
      const { res, reading, exchange, warnings } = await send(call, true);
      return { events: parseEvents(name, res.body, reading), warnings, exchange };
    },
    async complete(call: UpstreamCall): Promise<UpstreamCompletion | UpstreamRun> {
      const { res, reading, exchange, warnings } = await send(call, false);
      // Some servers stream whatever `stream` says; their events are as good as a body.
      if (String(res.headers['content-type'] ?? '').includes('text/event-stream')) return { events: parseEvents(name, res.body, reading), warnings, exchange };
      const text = (await readUpstreamBody(res.body, reading)).toString('utf8');
      let response: unknown;
      try {
        response = JSON.parse(text);
      } catch {
        response = undefined;
      }
      if (typeof response !== 'object' || response === null || Array.isArray(response) || !Array.isArray((response as JsonObject).output)) {
        throw new GatewayError({
          status: 502,
          message: `Provider "${name}" answered with something that is not a Response object: ${text.slice(0, 200)}`,
          type: 'upstream_error',
          code: 'invalid_upstream_response',
        });
      }
      return { response: response as JsonObject, warnings, exchange };
    },
    close: () => target.pool.close(),
  };
}

async function* parseEvents(name: string, body: AsyncIterable<Uint8Array>, reading: UpstreamReading): AsyncGenerator<ResponsesEvent[]> {
  for await (const messages of readSse(body, reading)) {
    const events: ResponsesEvent[] = [];
    for (const message of messages) {
      if (message.data === '[DONE]') {
        if (events.length > 0) yield events;
        return;
      }
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        // What came before the broken event is still upstream's answer.
        if (events.length > 0) yield events;
        throw new GatewayError({ status: 502, message: `Provider "${name}" sent an event that is not JSON: ${message.data.slice(0, 200)}`, type: 'upstream_error', code: 'invalid_upstream_event' });
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) continue;
      let typed = event as ResponsesEvent;
      // An upstream's error may repeat its key: the client and the store get it masked.
      if (typed.type === 'error' || typed.type === 'response.failed') typed = JSON.parse(reading.mask(message.data)) as ResponsesEvent;
      // Older streams name the event only in the `event:` line.
      if (typeof typed.type !== 'string') typed.type = message.event ?? 'message';
      // A delta usually leaves the sequencer unchanged: it can then be written out as upstream's own text.
      else if (PASS_THROUGH_TYPES.has(typed.type) && !message.data.includes('\n')) typed[UPSTREAM_DATA] = message.data;
      events.push(typed);
    }
    if (events.length > 0) yield events;
  }
}
