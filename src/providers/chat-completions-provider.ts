// Chat Completions providers (OpenRouter, vLLM, Ollama, llama.cpp): translate the request, turn chunks into Responses events.
import { clampMaxOutputTokens } from '../../transformers/clamp-max-output-tokens.js';
import { createChatStreamConverter, type ChatStreamConverter } from '../../transformers/chat/chat-stream-to-events.js';
import { completionToChunks } from '../../transformers/chat/completion-to-chunks.js';
import { UnsupportedFeatureError } from '../../transformers/chat/errors.js';
import { toChatRequest } from '../../transformers/chat/to-chat-request.js';
import type { JsonObject, ResponsesEvent } from '../../transformers/responses-types.js';
import type { LimitsConfig, ProviderConfig } from '../config/config-schema.js';
import { GatewayError, invalidRequest } from '../errors/gateway-error.js';
import type { Provider, UpstreamCall, UpstreamRun } from './provider.js';
import { readSse } from './read-sse.js';
import { readUpstreamBody, type UpstreamReading } from './read-upstream-body.js';
import { HISTORY_MARKER, createUpstreamTarget, openUpstream, type UpstreamResponse } from './upstream-pool.js';

export interface ChatProviderOptions {
  /**
   * How long to wait for the usage chunk after the finish_reason before the answer is taken as whole (a
   * server that ignores `include_usage` and holds the connection open sends nothing more).
   */
  usageGraceMs?: number;
}

export function createChatCompletionsProvider(
  name: string,
  config: ProviderConfig,
  limits: LimitsConfig,
  { usageGraceMs = 1_000 }: ChatProviderOptions = {},
): Provider {
  const target = createUpstreamTarget(name, config, limits);
  return {
    name,
    config,
    async open(call: UpstreamCall): Promise<UpstreamRun> {
      const clamped = clampMaxOutputTokens({ ...call.request, input: call.input }, call.maxOutputTokensCeiling);
      const convert = (request: JsonObject) => {
        try {
          return toChatRequest(request, { upstreamModel: call.upstreamModel, quirks: config.quirks === 'openrouter' ? 'openrouter' : undefined });
        } catch (err) {
          if (err instanceof UnsupportedFeatureError) throw invalidRequest(err.param, `${err.message} (provider "${name}" speaks Chat Completions)`, 'unsupported_parameter');
          throw err;
        }
      };
      const converted = convert(clamped.request);
      // A chain's history is stored once, as its items: the stored request shows this turn and a count.
      const logged = () => ({
        ...convert({ ...clamped.request, input: (call.input as unknown[]).slice(call.historyLength) }).body,
        [HISTORY_MARKER]: call.historyLength,
      });
      const { res, reading, exchange } = await openUpstream(name, target, '/chat/completions', converted.body, call, call.historyLength > 0 ? logged : undefined);

      const reasoning = call.request.reasoning as JsonObject | null | undefined;
      // Readable summaries when the client asked for them (what OpenAI clients render), raw reasoning text otherwise.
      const converter = createChatStreamConverter({
        newItemId: call.newItemId,
        toolCalls: converted.toolCalls,
        reasoningEvents: reasoning?.summary ? 'summary' : 'text',
        webSearch: searchesTheWeb(converted.body, call.upstreamModel),
        dropReasoningDetails: config.quirks !== 'openrouter',
      });
      return { events: toEvents(name, res, converter, reading, usageGraceMs), warnings: [...clamped.warnings, ...converted.warnings], exchange };
    },
    close: () => target.pool.close(),
  };
}

async function* toEvents(
  name: string,
  res: UpstreamResponse,
  converter: ChatStreamConverter,
  reading: UpstreamReading,
  usageGraceMs: number,
): AsyncGenerator<ResponsesEvent[]> {
  const contentType = String(res.headers['content-type'] ?? '');
  if (contentType.includes('application/json')) {
    // Some OpenAI-compatible servers ignore `stream: true` and answer one JSON completion.
    const text = (await readUpstreamBody(res.body, reading)).toString('utf8');
    yield [...completionToChunks(parseJson(name, text, reading.mask)).flatMap((chunk) => converter.push(chunk)), ...converter.finish()];
    return;
  }
  // The answer is whole at `[DONE]`, at the body's end, or once the finish_reason and the usage (always asked
  // for) have come: some servers send neither `[DONE]` nor the end and hold the connection until our timeout.
  // Leaving the loop closes the upstream call. Without usage, a grace timer closes the body under the reader.
  let grace: NodeJS.Timeout | undefined;
  let graceOver = false;
  try {
    for await (const messages of readSse(res.body, reading)) {
      const events: ResponsesEvent[] = [];
      const done = messages.findIndex((m) => m.data === '[DONE]');
      for (const message of done === -1 ? messages : messages.slice(0, done)) events.push(...converter.push(parseJson(name, message.data, reading.mask)));
      if (events.length > 0) yield events;
      if (done !== -1) break;
      const end = converter.endState();
      if (end === 'finished-with-usage' || end === 'ended') break;
      if (end === 'finished' && grace === undefined) {
        grace = setTimeout(() => {
          graceOver = true;
          res.body.destroy();
        }, usageGraceMs);
      }
    }
  } catch (err) {
    // The body this provider closed itself, after a whole answer: not a broken stream.
    if (!graceOver) throw err;
  } finally {
    clearTimeout(grace);
  }
  yield converter.finish();
}

/** OpenRouter's web plugin (what a `web_search` tool becomes) and its `:online` models search before answering. */
function searchesTheWeb(body: JsonObject, upstreamModel: string): boolean {
  const plugins = Array.isArray(body.plugins) ? (body.plugins as JsonObject[]) : [];
  return upstreamModel.endsWith(':online') || plugins.some((plugin) => plugin?.id === 'web');
}

/** A chunk that carries an error (OpenRouter's mid-stream errors) is masked: it may repeat the provider's key. */
function parseJson(name: string, text: string, mask: (text: string) => string): unknown {
  try {
    const chunk: unknown = JSON.parse(text);
    return typeof chunk === 'object' && chunk !== null && 'error' in chunk ? JSON.parse(mask(text)) : chunk;
  } catch {
    throw new GatewayError({ status: 502, message: `Provider "${name}" sent a chunk that is not JSON: ${text.slice(0, 200)}`, type: 'upstream_error', code: 'invalid_upstream_event' });
  }
}
