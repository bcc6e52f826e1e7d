// One run of POST /v1/responses: plan (validate, route, resolve state), then run upstream (streamed through the sequencer, or in one body) to the store.
import type { Logger } from 'pino';
import { tagEvent, tagOutput } from '../../transformers/maker-tag.js';
import { completedSnapshot, responseSkeleton, type SnapshotOverrides } from '../../transformers/response-snapshot.js';
import { isTerminalEventType, type ConversionWarning, type ResponseItem, type ResponseObject, type ResponsesEvent } from '../../transformers/responses-types.js';
import { Sequencer, type StreamFailure } from '../../transformers/sequencer.js';
import type { Config } from '../config/config-schema.js';
import { GatewayError, invalidRequest } from '../errors/gateway-error.js';
import { maskFor } from '../errors/mask-secrets.js';
import type { Provider, UpstreamCall, UpstreamRun } from '../providers/provider.js';
import type { UpstreamAbort } from '../providers/upstream-abort.js';
import type { ResponseStore } from '../store/response-store.js';
import { newItemId, newResponseId } from './ids.js';
import { parseCreateResponse, type CreateResponseBody } from './request-schema.js';
import { resolveInput, type ResolvedInput } from './resolve-input.js';
import { resolveModel, type ModelRoute } from './resolve-model.js';

export interface PipelineDeps {
  config: Config;
  store: ResponseStore;
  providers: Map<string, Provider>;
  logger: Logger;
  now?: () => number;
}

export interface ResponsePlan {
  id: string;
  owner: string;
  body: CreateResponseBody;
  route: ModelRoute;
  provider: Provider;
  input: ResolvedInput;
  store: boolean;
  stream: boolean;
}

const unixNow = () => Math.floor(Date.now() / 1000);

/** Everything that can be refused before upstream is called: a bad body, an unknown model, a missing state id. */
export async function planResponse(deps: PipelineDeps, owner: string, rawBody: unknown): Promise<ResponsePlan> {
  const body = parseCreateResponse(rawBody);
  if (body.previous_response_id && body.conversation) {
    throw invalidRequest('conversation', "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'mutually_exclusive_parameters');
  }
  if (body.conversation) {
    throw invalidRequest('conversation', 'Conversations are not supported by this gateway yet.', 'unsupported_parameter');
  }
  if (body.background) {
    throw invalidRequest('background', 'Background responses are not supported by this gateway yet.', 'unsupported_parameter');
  }
  const route = resolveModel(body.model, deps.config);
  const provider = deps.providers.get(route.provider);
  if (!provider) throw new GatewayError(500, `Provider "${route.provider}" is not configured.`, 'server_error');
  const store = body.store !== false;
  const input = await resolveInput(deps.store, owner, provider, {
    input: body.input as string | ResponseItem[] | undefined,
    previousResponseId: body.previous_response_id,
    store,
  });
  return { id: newResponseId(), owner, body, route, provider, input, store, stream: body.stream === true };
}

/**
 * Runs a plan for a non-streaming client and returns the final response as JSON text, stored when asked (a
 * stored response is sent as the JSON it was stored as, whichever the provider). Fails with a GatewayError
 * (an HTTP error for the client) when the run fails, and then stores nothing. Providers that can answer in
 * one body do; the others are streamed and folded.
 */
export async function completeResponse(deps: PipelineDeps, plan: ResponsePlan, abort: UpstreamAbort): Promise<string> {
  if (!plan.provider.complete) return answerJson(await fold(executeResponse(deps, plan, abort)));
  const now = deps.now ?? unixNow;
  try {
    const answer = await plan.provider.complete(upstreamCall(deps, plan, abort));
    // An upstream that streamed although asked not to: its events are folded like any stream's.
    if ('events' in answer) return answerJson(await fold(executeResponse(deps, plan, abort, answer)));
    const warnings = logWarnings(deps, plan, answer.warnings);
    const { skeleton, overrides } = startingPoint(plan, now);
    const upstream = plan.store ? answer.response : tagOutput(answer.response, plan.provider.name);
    const response = completedSnapshot(skeleton, upstream, overrides, now());
    if (response.status === 'failed') throw preOutputError(response.error);
    const upstreamId = typeof answer.response.id === 'string' ? answer.response.id : null;
    const stored = plan.store ? await persist(deps, plan, { response, upstreamId, exchange: answer.exchange, warnings }) : undefined;
    return answerJson({ response, stored });
  } catch (err) {
    abort.abort();
    throw withResponseId(err, plan);
  }
}

/**
 * Runs a plan as a stream. Yields the numbered events, a batch per upstream chunk (the terminal event
 * last); returns the final response and its stored form. Fails with a GatewayError (an HTTP error for the
 * client) when upstream refuses or fails before any output — or at all, for a non-streaming client — and
 * then stores nothing.
 */
export async function* executeResponse(
  deps: PipelineDeps,
  plan: ResponsePlan,
  /** Aborted by the caller when the client goes away; the run aborts it too when it stops early. */
  abort: UpstreamAbort,
  /** An upstream run already open (a stream that answered a non-streaming call); opened here otherwise. */
  opened?: UpstreamRun,
): AsyncGenerator<ResponsesEvent[], Finished> {
  const now = deps.now ?? unixNow;

  const sequencer = new Sequencer({ ...startingPoint(plan, now), now });

  let run: UpstreamRun | undefined;
  let stored: string | undefined;
  let iterator: AsyncIterator<ResponsesEvent[]> | undefined;
  let finished = false;
  /** What broke the upstream read, when something did: a non-streaming client gets it as its HTTP error. */
  let broke: unknown;
  try {
    run = opened ?? (await plan.provider.open(upstreamCall(deps, plan, abort)));
    const warnings = logWarnings(deps, plan, run.warnings);

    // Lifecycle events are held back until the first output: a failure before it is an HTTP error.
    let held: ResponsesEvent[] | undefined = [];
    /** Upstream events read but not sequenced yet: the rest of the batch that brought the first output. */
    let unread: ResponsesEvent[] = [];
    iterator = run.events[Symbol.asyncIterator]();
    /** A `store: false` run's blobs name their maker: nothing else will (see maker-tag.ts). */
    const maker = plan.store ? undefined : plan.provider.name;
    while (!sequencer.done) {
      let emitted: ResponsesEvent[];
      try {
        let events: ResponsesEvent[] | undefined;
        if (unread.length > 0) {
          // This stream's first byte is out; other streams' first bytes go before the rest of its batch.
          await new Promise((resolve) => setImmediate(resolve));
          events = unread;
          unread = [];
        } else {
          const next = await iterator.next();
          events = next.done ? undefined : next.value;
          if (events && maker !== undefined) for (let i = 0; i < events.length; i++) events[i] = tagEvent(events[i]!, maker);
        }
        if (events === undefined) emitted = sequencer.end();
        else if (held) {
          // Until the first output, one event at a time: the first output ends the batch that is emitted now.
          emitted = [];
          let k = 0;
          while (k < events.length && emitted.every(Sequencer.isLifecycle)) emitted.push(...sequencer.push(events[k++]!));
          unread = events.slice(k);
        } else emitted = sequencer.pushAll(events);
      } catch (err) {
        if (abort.aborted) throw err;
        if (held && err instanceof GatewayError) throw err;
        broke = err;
        emitted = sequencer.fail(failureOf(err, maskFor(deps.config)));
      }
      if (held) {
        held.push(...emitted);
        const first = held.find((e) => !Sequencer.isLifecycle(e));
        if (!first) continue;
        if (first.type === 'error') throw preOutputError({ code: String(first.code), message: String(first.message) });
        if (first.type === 'response.failed') throw preOutputError(sequencer.response.error);
        emitted = held;
        held = undefined;
      }
      if (emitted.length === 0) continue;
      // Durable before acknowledged: the batch that holds the terminal event waits for the commit. A
      // non-streaming client never sees a failed run's id (it gets the HTTP error), so that is not kept.
      const terminal = emitted.at(-1)!.type;
      // A stream's failure reaches no HTTP error handler: it is logged here, once.
      if (terminal === 'response.failed' && plan.stream) logStreamFailure(deps, plan, sequencer.response.error, broke);
      if (isTerminalEventType(terminal) && plan.store && (plan.stream || terminal !== 'response.failed')) {
        try {
          stored = await persist(deps, plan, { response: sequencer.response, upstreamId: sequencer.upstreamId, exchange: run.exchange, warnings });
        } catch (err) {
          // Not stored, so not acknowledged: a streaming client is told in the stream that the response failed.
          if (!plan.stream) throw err;
          emitted = [...emitted.slice(0, -1), ...sequencer.retractTerminal(failureOf(err, maskFor(deps.config)))];
        }
      }
      yield emitted;
    }
    finished = true;
    const response = sequencer.response;
    if (!plan.stream && response.status === 'failed') throw broke instanceof GatewayError ? broke : preOutputError(response.error);
    return { response, stored };
  } catch (err) {
    throw withResponseId(err, plan);
  } finally {
    if (finished && iterator) drainThenClose(iterator, abort);
    else abort.abort();
  }
}

/** A finished run: the final response, and its JSON as stored when it was stored. */
interface Finished {
  response: ResponseObject;
  stored: string | undefined;
}

/** The JSON a non-streaming client gets: the stored JSON when there is one, so it is not serialised twice. */
const answerJson = ({ response, stored }: Finished): string => stored ?? JSON.stringify(response);

/** Runs a stream to its end for a non-streaming client: only how it finished is wanted. */
async function fold(run: AsyncGenerator<ResponsesEvent[], Finished>): Promise<Finished> {
  let step = await run.next();
  while (!step.done) step = await run.next();
  return step.value;
}

/** The response as the gateway knows it before upstream answers, and the fields it owns whatever upstream says. */
function startingPoint(plan: ResponsePlan, now: () => number): { skeleton: ResponseObject; overrides: SnapshotOverrides } {
  const overrides = { id: plan.id, previous_response_id: plan.body.previous_response_id ?? null, store: plan.store, background: false };
  return { skeleton: responseSkeleton(plan.body, { createdAt: now(), model: plan.route.upstreamModel, overrides }), overrides };
}

function upstreamCall(deps: PipelineDeps, plan: ResponsePlan, abort: UpstreamAbort): UpstreamCall {
  return {
    request: plan.body,
    upstreamModel: plan.route.upstreamModel,
    input: plan.input.upstreamInput,
    historyLength: plan.input.historyLength,
    reasoningModel: plan.route.reasoning,
    maxOutputTokensCeiling: deps.config.limits.max_output_tokens,
    newItemId,
    signal: abort,
    captureExchange: plan.store && deps.config.debug.upstream_exchanges,
  };
}

/** What this request could not carry upstream (from state resolution and from the provider's conversion), logged once. */
function logWarnings(deps: PipelineDeps, plan: ResponsePlan, providerWarnings: ConversionWarning[]): ConversionWarning[] {
  const warnings = [...plan.input.warnings, ...providerWarnings];
  if (warnings.length > 0) deps.logger.warn({ response_id: plan.id, provider: plan.provider.name, warnings }, 'request fields not carried upstream');
  return warnings;
}

interface Outcome {
  response: ResponseObject;
  upstreamId: string | null;
  exchange: UpstreamRun['exchange'];
  warnings: ConversionWarning[];
}

/** Stores a finished response durably; resolves with its JSON as stored once it is on disk, or fails with a logged 500. */
async function persist(deps: PipelineDeps, plan: ResponsePlan, { response, upstreamId, exchange, warnings }: Outcome): Promise<string> {
  const record = {
    owner: plan.owner,
    provider: plan.provider.name,
    upstreamId,
    previousResponseId: plan.body.previous_response_id ?? null,
    response,
    input: plan.input.turnItems,
    exchange: deps.config.debug.upstream_exchanges
      ? { url: exchange.url, status: exchange.status, requestBody: exchange.requestBody, responseBody: exchange.responseBody(), warnings }
      : undefined,
  };
  try {
    return await deps.store.saveResponse(record);
  } catch (err) {
    deps.logger.error({ err, response_id: plan.id }, 'storing the response failed; the client is told it failed');
    throw new GatewayError(500, 'The gateway could not store the response.', 'server_error', 'server_error');
  }
}

function failureOf(err: unknown, mask: (text: string) => string): StreamFailure {
  if (err instanceof GatewayError) return { code: err.code ?? 'server_error', message: mask(err.message) };
  return { code: 'server_error', message: mask(`The upstream stream broke: ${(err as Error).message}`) };
}

/** Marks a run's HTTP error with the response's id, which the error handler logs. */
function withResponseId(err: unknown, plan: ResponsePlan): unknown {
  if (err instanceof GatewayError) err.responseId ??= plan.id;
  return err;
}

function logStreamFailure(deps: PipelineDeps, plan: ResponsePlan, error: { code: string; message: string } | null, broke: unknown): void {
  const detail = broke instanceof GatewayError ? broke.detail : broke instanceof Error ? broke.message : undefined;
  deps.logger.warn({ response_id: plan.id, provider: plan.provider.name, code: error?.code, err: error?.message, detail }, 'stream failed after output');
}

/** A response that failed before output, as the HTTP error a client would get from OpenAI. */
function preOutputError(failure: { code: string; message: string } | null): GatewayError {
  const code = failure?.code ?? 'server_error';
  const message = failure?.message ?? 'The response failed.';
  // OpenRouter's codes are HTTP statuses; OpenAI's are words.
  const status = /^[45]\d\d$/.test(code)
    ? Number(code)
    : /quota|rate_limit/.test(code)
      ? 429
      : /^invalid|image|context_length|unsupported/.test(code)
        ? 400
        : 500;
  return new GatewayError(status, message, status === 429 ? code : status < 500 ? 'invalid_request_error' : 'server_error', code).withDetail(
    'the upstream run failed before its first output',
  );
}

/** After the terminal event upstream usually has nothing left: read it out so the socket is reused, within bounds. */
function drainThenClose(iterator: AsyncIterator<ResponsesEvent[]>, abort: UpstreamAbort): void {
  const timer = setTimeout(() => abort.abort(), 1_000);
  timer.unref();
  void (async () => {
    try {
      for (let i = 0; i < 1_000; i++) if ((await iterator.next()).done) break;
    } catch {
      // The run is over; a broken tail changes nothing the client saw.
    } finally {
      clearTimeout(timer);
    }
  })();
}
