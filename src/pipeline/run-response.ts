// One run of POST /v1/responses: plan (validate, route, resolve state), then run upstream (streamed through the sequencer, or in one body) to the store.
import type { Logger } from 'pino';
import { tagOutput, untagItem } from '../../transformers/maker-tag.js';
import { completedSnapshot, responseSkeleton, type SnapshotOverrides } from '../../transformers/response-snapshot.js';
import { type ConversionWarning, type ResponseItem, type ResponseObject, type ResponsesEvent } from '../../transformers/responses-types.js';
import type { StreamFailure } from '../../transformers/sequencer.js';
import type { Config } from '../config/config-schema.js';
import { GatewayError, invalidRequest } from '../errors/gateway-error.js';
import type { Provider, UpstreamCall, UpstreamRun } from '../providers/provider.js';
import type { UpstreamAbort } from '../providers/upstream-abort.js';
import type { InputItem, ResponseRecord, ResponseStore } from '../store/response-store.js';
import { newItemId, newResponseId } from './ids.js';
import { parseCreateResponse, type CreateResponseBody } from './request-schema.js';
import { preOutputError } from './pre-output-error.js';
import { resolveInput, type InputState, type ResolvedInput } from './resolve-input.js';
import { resolveModel, type ModelRoute, type RoutingPolicy } from './resolve-model.js';
import { shapeRequest } from './shape-request.js';
import { firstTarget, openComplete, UpstreamAttempts, type RoutingDeps } from '../runs/attempt-upstream.js';
import type { GatewayMetrics } from '../server/gateway-metrics.js';
import type { KeyLimits } from '../server/key-limits.js';
import { mayUseModel, modelAllowances, modelNotFound } from '../server/key-models.js';
import type { RequestContext, RequestFacts } from '../server/observe-requests.js';
import type { RoutingObserver } from '../runs/routing-events.js';

export interface PipelineDeps extends RoutingDeps {
  config: Config;
  store: ResponseStore;
  providers: Map<string, Provider>;
  logger: Logger;
  now?: () => number;
  /** Absent in tests that build their own deps: nothing is counted. */
  metrics?: GatewayMetrics;
  /** Per-key ceilings; absent when no key has a limit. */
  keyLimits?: KeyLimits;
  /** Told of retries, fallbacks and cooldowns (the metrics count them). */
  routingEvents?: RoutingObserver;
}

export interface ResponsePlan {
  id: string;
  owner: string;
  body: CreateResponseBody;
  /** The model's targets in order, and which one the run is on: `route`, `provider` and `input` follow it (runs/attempt-upstream.ts switches them on a fallback). */
  targets: ModelRoute[];
  targetIndex: number;
  routing: RoutingPolicy;
  route: ModelRoute;
  provider: Provider;
  /** The input as screened for the current target's provider. */
  input: ResolvedInput;
  /** What the input is resolved from, again for each target. */
  inputState: InputState;
  /** The model's `drop` list at work (see shape-request.ts). */
  shapeWarnings: ConversionWarning[];
  store: boolean;
  stream: boolean;
  /** Runs detached from its request (see runs/response-run.ts). */
  background: boolean;
  /** The conversation it runs in: its items came first upstream, and its own are appended when it is stored. */
  conversationId: string | null;
  /** The request's id (X-Request-Id): stored with the response and sent upstream; null for a run restart recovery planned again. */
  requestId: string | null;
  /** Writes this request's log lines (each carries its id). */
  logger: Logger;
  /** What the request's access log line and metrics learn from the run (its model, provider, tokens). */
  facts: RequestFacts | undefined;
}

const unixNow = () => Math.floor(Date.now() / 1000);

/** Everything that can be refused before upstream is called: a bad body, an unknown model, a missing state id. */
export async function planResponse(
  deps: PipelineDeps,
  owner: string,
  rawBody: unknown,
  /** The id of a run planned again (restart recovery); a new one otherwise. */
  id?: string,
  /** The HTTP request it serves (absent for restart recovery). */
  request?: RequestContext,
): Promise<ResponsePlan> {
  const body = parseCreateResponse(rawBody);
  // A model the key may not use is answered as one that does not exist (as OpenAI does for a project's hidden models).
  if (!mayUseModel(modelAllowances(deps.config), owner, body.model)) throw modelNotFound(body.model);
  if (body.previous_response_id && body.conversation) {
    throw invalidRequest('conversation', "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'mutually_exclusive_parameters');
  }
  const conversationId = typeof body.conversation === 'string' ? body.conversation : (body.conversation?.id ?? null);
  if (body.background && body.store === false) {
    throw invalidRequest('store', 'Background responses are stored: `store: false` cannot be combined with `background: true`.', 'invalid_value');
  }
  const model = resolveModel(body.model, deps.config);
  const responseId = id ?? newResponseId();
  const shaped = model.alias !== undefined && (model.defaults || model.drop.length > 0) ? shapeRequest(body, model.alias, model.defaults, model.drop) : undefined;
  if (shaped && shaped.filled.length > 0) deps.logger.debug({ response_id: responseId, defaults: shaped.filled }, 'model defaults filled in');
  const targetIndex = firstTarget(deps, model.targets, responseId);
  const route = model.targets[targetIndex]!;
  const provider = deps.providers.get(route.provider);
  // Labels only once resolved: a name no route knows would be a label value a client chose.
  if (request) Object.assign(request.facts, { model: body.model, provider: route.provider });
  if (!provider) throw new GatewayError({ status: 500, message: `Provider "${route.provider}" is not configured.`, type: 'server_error' });
  const store = body.store !== false;
  const inputState: InputState = {
    input: body.input as string | ResponseItem[] | undefined,
    previousResponseId: body.previous_response_id,
    conversationId,
    store,
  };
  const input = await resolveInput(deps.store, owner, provider, inputState);
  const background = body.background === true;
  return {
    id: responseId,
    owner,
    body: shaped?.body ?? body,
    targets: model.targets,
    targetIndex,
    routing: model.routing,
    route,
    provider,
    input,
    inputState,
    shapeWarnings: shaped?.warnings ?? [],
    store,
    stream: body.stream === true,
    background,
    conversationId,
    requestId: request?.requestId ?? null,
    logger: request?.logger ?? deps.logger,
    facts: request?.facts,
  };
}

/**
 * Serves a non-streaming client from a provider that answers in one body (native Responses providers): one
 * JSON parse instead of a stream of events folded again. Resolves with the response's JSON text (as stored,
 * when stored), or, when upstream streamed although asked not to, with its open run for the caller to fold.
 * Fails with a GatewayError (an HTTP error for the client), and then stores nothing.
 */
export async function completeResponse(deps: PipelineDeps, plan: ResponsePlan, abort: UpstreamAbort): Promise<string | UpstreamRun> {
  const now = deps.now ?? unixNow;
  const attempts = new UpstreamAttempts(deps, plan);
  try {
    for (;;) {
      let answer;
      try {
        answer = await openComplete(plan.provider, upstreamCall(deps, plan, abort));
        if ('events' in answer) return answer;
        if (answer.response.status === 'failed') throw preOutputError(answer.response.error as { code: string; message: string } | null);
      } catch (err) {
        // Before any output: another try, on this target or the next (runs/attempt-upstream.ts).
        if (await attempts.recover(err, abort)) continue;
        throw err;
      }
      attempts.served();
      const warnings = logWarnings(deps, plan, answer.warnings);
      const { skeleton, overrides } = startingPoint(plan, now);
      const upstream = plan.store ? answer.response : tagOutput(answer.response, plan.provider.name);
      const response = completedSnapshot(skeleton, upstream, overrides, now());
      if (response.status === 'failed') throw preOutputError(response.error);
      const upstreamId = typeof answer.response.id === 'string' ? answer.response.id : null;
      return await persist(deps, plan, { response, upstreamId, exchange: answer.exchange, warnings });
    }
  } catch (err) {
    abort.abort();
    throw withResponseId(err, plan);
  }
}

/** The response as the gateway knows it before upstream answers, and the fields it owns whatever upstream says. */
export function startingPoint(plan: ResponsePlan, now: () => number): { skeleton: ResponseObject; overrides: SnapshotOverrides } {
  const overrides: SnapshotOverrides = { id: plan.id, previous_response_id: plan.body.previous_response_id ?? null, store: plan.store, background: plan.background };
  if (plan.conversationId !== null) overrides.conversation = { id: plan.conversationId };
  return { skeleton: responseSkeleton(plan.body, { createdAt: now(), model: plan.route.upstreamModel, overrides }), overrides };
}

export function upstreamCall(deps: PipelineDeps, plan: ResponsePlan, abort: UpstreamAbort): UpstreamCall {
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
    requestId: plan.requestId ?? undefined,
  };
}

/** What this request could not carry upstream (from state resolution and from the provider's conversion), logged once. */
export function logWarnings(deps: PipelineDeps, plan: ResponsePlan, providerWarnings: ConversionWarning[]): ConversionWarning[] {
  const warnings = [...plan.shapeWarnings, ...plan.input.warnings, ...providerWarnings];
  if (warnings.length > 0) plan.logger.warn({ response_id: plan.id, provider: plan.provider.name, warnings }, 'request fields not carried upstream');
  return warnings;
}

export interface Outcome {
  response: ResponseObject;
  upstreamId: string | null;
  /** Undefined when the run ended before upstream answered (cancelled, or refused). */
  exchange: UpstreamRun['exchange'] | undefined;
  warnings: ConversionWarning[];
}

/** The response as the store keeps it: this turn's input, and the raw exchange when it is kept. */
export function recordOf(deps: PipelineDeps, plan: ResponsePlan, { response, upstreamId = null, exchange, warnings = [] }: Partial<Outcome> & Pick<Outcome, 'response'>): ResponseRecord {
  return {
    owner: plan.owner,
    provider: plan.provider.name,
    requestId: plan.requestId,
    upstreamId,
    previousResponseId: plan.body.previous_response_id ?? null,
    response,
    input: plan.input.turnItems,
    // As OpenAI does, a conversation gets the items of a response that completed (or ended incomplete) only.
    conversationId: response.status === 'completed' || response.status === 'incomplete' ? plan.conversationId : null,
    exchange:
      deps.config.debug.upstream_exchanges && exchange
        ? { url: exchange.url, status: exchange.status, requestBody: exchange.requestBody, responseBody: exchange.responseBody(), warnings }
        : undefined,
  };
}

/**
 * Stores a finished response durably; resolves with its JSON as stored once it is on disk, or fails with a
 * logged 500. A `store: false` response is not stored, but its items still join its conversation, if any:
 * added to it directly (they belong to no response), in one transaction.
 */
export async function persist(deps: PipelineDeps, plan: ResponsePlan, outcome: Outcome): Promise<string> {
  countUsage(deps, plan, outcome.response);
  const record = recordOf(deps, plan, outcome);
  try {
    if (plan.store) return await deps.store.saveResponse(record);
    if (record.conversationId) await deps.store.addConversationItems(plan.owner, record.conversationId, unstoredItems(record), deps.now?.() ?? unixNow());
    return JSON.stringify(outcome.response);
  } catch (err) {
    plan.logger.error({ err, response_id: plan.id }, 'storing the response failed; the client is told it failed');
    throw new GatewayError({ status: 500, message: 'The gateway could not store the response.', type: 'server_error', code: 'server_error', cause: err });
  }
}

/** A `store: false` turn's input and output as conversation items: outputs as their provider made them (no maker tag), with it as their maker. */
function unstoredItems(record: ResponseRecord): InputItem[] {
  const output = record.response.output.map((tagged, position): InputItem => {
    const { item } = untagItem(tagged);
    return { id: typeof item.id === 'string' ? item.id : `${record.response.id}_out_${position}`, item, provider: record.provider };
  });
  return [...record.input, ...output];
}

export function failureOf(err: unknown, mask: (text: string) => string): StreamFailure {
  if (err instanceof GatewayError) return { code: err.code ?? 'server_error', message: mask(err.message) };
  return { code: 'server_error', message: mask(`The upstream stream broke: ${(err as Error).message}`) };
}

/** Marks a run's HTTP error with the response's id, which the error handler logs. */
export function withResponseId(err: unknown, plan: ResponsePlan): unknown {
  if (err instanceof GatewayError) err.responseId ??= plan.id;
  return err;
}

export function logStreamFailure(
  deps: PipelineDeps,
  plan: ResponsePlan,
  error: { code: string; message: string } | null,
  broke: unknown,
  what: 'stream failed after output' | 'background run failed',
): void {
  const detail = broke instanceof GatewayError ? broke.detail : broke instanceof Error ? broke.message : undefined;
  plan.logger.warn({ response_id: plan.id, provider: plan.provider.name, code: error?.code, err: error?.message, detail }, what);
  // A run cut by shutdown failed, but not upstream.
  if (error?.code !== 'server_shutting_down') deps.metrics?.upstreamError(plan.provider.name, error?.code ?? 'server_error');
}

/**
 * A finished response's tokens: against its key's daily ceiling, into the metrics, and onto its request's
 * access log line. Once per response, at its end (whether or not it is stored).
 */
export function countUsage(deps: PipelineDeps, plan: ResponsePlan, response: ResponseObject): void {
  const usage = response.usage as UsageFields | null | undefined;
  if (!usage) return;
  const counted = {
    input: usage.input_tokens ?? 0,
    output: usage.output_tokens ?? 0,
    reasoning: usage.output_tokens_details?.reasoning_tokens ?? 0,
    cached: usage.input_tokens_details?.cached_tokens ?? 0,
  };
  deps.keyLimits?.spend(plan.owner, counted.input + counted.output);
  deps.metrics?.tokens(counted, { model: plan.body.model, provider: plan.provider.name, key: plan.owner });
  if (plan.facts) plan.facts.usage = counted;
}

interface UsageFields {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

/** After the terminal event upstream usually has nothing left: read it out so the socket is reused, within bounds. */
export function drainThenClose(iterator: AsyncIterator<ResponsesEvent[]>, abort: UpstreamAbort): void {
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
