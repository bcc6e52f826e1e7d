// The pre-output hold's routing: one attempt per target, in order; retries, fallback and cooldowns happen here, before the first output reaches anyone.
import type { ResponsesEvent } from '../../transformers/responses-types.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Provider, UpstreamCall, UpstreamCompletion, UpstreamRun } from '../providers/provider.js';
import type { UpstreamAbort } from '../providers/upstream-abort.js';
import type { PipelineDeps, ResponsePlan } from '../pipeline/run-response.js';
import { preOutputError } from '../pipeline/pre-output-error.js';
import { resolveInput } from '../pipeline/resolve-input.js';
import type { ModelRoute } from '../pipeline/resolve-model.js';
import { judgeFailure } from './judge-failure.js';
import type { RoutingEvent, RoutingObserver } from './routing-events.js';
import { retryDelay } from './retry-delay.js';
import type { TargetCooldowns } from './target-cooldowns.js';

/** What routing reads from the pipeline's dependencies; all optional (no cooldowns without a board). */
export interface RoutingDeps {
  /** Shared by every request of the process (start-gateway makes one). */
  cooldowns?: TargetCooldowns;
  routingEvents?: RoutingObserver;
  /** Waits between retries, cut short by the abort; tests inject one that records the delays. */
  sleep?: (ms: number, abort: UpstreamAbort) => Promise<void>;
  /** Milliseconds, for Retry-After dates. */
  clockMs?: () => number;
}

export const targetKey = (route: ModelRoute) => `${route.provider}/${route.upstreamModel}`;

/** Opens a streaming upstream run on a provider. */
export const openStream = (provider: Provider, call: UpstreamCall): Promise<UpstreamRun> => provider.open(call);

/** One body where the provider can give it; a stream (to fold) where it cannot. */
export const openComplete = (provider: Provider, call: UpstreamCall): Promise<UpstreamCompletion | UpstreamRun> =>
  provider.complete ? provider.complete(call) : provider.open(call);

/** The first target that is not cooling down (the first of all when every one is: better tried than refused). */
export function firstTarget(deps: PipelineDeps, targets: ModelRoute[], responseId: string): number {
  const cooldowns = deps.cooldowns;
  if (!cooldowns || targets.length === 1) return 0;
  for (let i = 0; i < targets.length; i++) {
    if (!cooldowns.cooling(targetKey(targets[i]!))) return i;
    report(deps, { type: 'skip', responseId, provider: targets[i]!.provider, model: targets[i]!.upstreamModel });
  }
  return 0;
}

/**
 * An in-band failure that upstream sent before any output (an `error` event or `response.failed` after only
 * lifecycle events), as the error it would be; undefined when the batch has output first, or nothing wrong.
 */
export function failureBeforeOutput(events: ResponsesEvent[]): GatewayError | undefined {
  for (const event of events) {
    if (event.type === 'response.created' || event.type === 'response.in_progress' || event.type === 'response.queued') continue;
    if (event.type === 'error') return preOutputError({ code: String(event.code ?? 'server_error'), message: String(event.message ?? 'The response failed.') });
    if (event.type === 'response.failed') {
      const error = (event.response as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      return preOutputError({ code: String(error?.code ?? 'server_error'), message: String(error?.message ?? 'The response failed.') });
    }
    return undefined;
  }
  return undefined;
}

/**
 * One run's attempts. After a failure before any output, `recover` decides: the same target again (after a
 * wait), the next target (the plan is switched to it, its input screened for it), or nothing. One per run:
 * the happy path creates it and never calls it again until `served`.
 */
export class UpstreamAttempts {
  /** Retries made on the current target. */
  private retries = 0;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly plan: ResponsePlan,
  ) {}

  /** Whether to try again (the plan now says where); false: `err` is the run's failure. Waits out a retry's delay. */
  async recover(err: unknown, abort: UpstreamAbort): Promise<boolean> {
    const { deps, plan } = this;
    if (abort.aborted) return false;
    const verdict = judgeFailure(err);
    if (verdict === 'final') return false;
    const route = plan.route;
    const code = err instanceof GatewayError ? err.code : 'connection_error';
    // A model's only target is never skipped (there is nothing else to try): its failures are not counted.
    const cooldownEnds = plan.targets.length > 1 ? deps.cooldowns?.failed(targetKey(route), plan.routing.cooldown) : undefined;
    if (cooldownEnds !== undefined) {
      report(deps, { type: 'cooldown', responseId: plan.id, provider: route.provider, model: route.upstreamModel, seconds: plan.routing.cooldown.ms / 1000 });
    }
    if (verdict === 'retry' && this.retries < plan.routing.retries) {
      this.retries++;
      const headers = err instanceof GatewayError ? err.headers : {};
      const delay = retryDelay(this.retries, { backoffMs: plan.routing.backoffMs, maxMs: plan.routing.maxRetryAfterMs }, headers, (deps.clockMs ?? Date.now)());
      report(deps, { type: 'retry', responseId: plan.id, provider: route.provider, model: route.upstreamModel, attempt: this.retries, delayMs: delay.ms, askedMs: delay.asked, code });
      await (deps.sleep ?? sleep)(delay.ms, abort);
      return !abort.aborted;
    }
    const next = this.nextTarget();
    if (next === undefined) return false;
    const target = plan.targets[next]!;
    const provider = deps.providers.get(target.provider);
    if (!provider) return false;
    report(deps, { type: 'fallback', responseId: plan.id, from: { provider: route.provider, model: route.upstreamModel }, to: { provider: target.provider, model: target.upstreamModel }, code });
    // Reasoning made by the target that failed is for it alone: the next one gets the input screened for it.
    const input = await resolveInput(deps.store, plan.owner, provider, plan.inputState);
    plan.targetIndex = next;
    plan.route = target;
    plan.provider = provider;
    plan.input = input;
    this.retries = 0;
    return !abort.aborted;
  }

  /** The current target served output: its count of failures in a row starts again. */
  served(): void {
    this.deps.cooldowns?.served(targetKey(this.plan.route));
  }

  /** The next target after the current one that is not cooling down. */
  private nextTarget(): number | undefined {
    const { deps, plan } = this;
    for (let i = plan.targetIndex + 1; i < plan.targets.length; i++) {
      const target = plan.targets[i]!;
      if (!deps.cooldowns?.cooling(targetKey(target))) return i;
      report(deps, { type: 'skip', responseId: plan.id, provider: target.provider, model: target.upstreamModel });
    }
    return undefined;
  }
}

function report(deps: PipelineDeps, event: RoutingEvent): void {
  deps.routingEvents?.(event);
  switch (event.type) {
    case 'retry':
      deps.logger.warn({ response_id: event.responseId, provider: event.provider, model: event.model, attempt: event.attempt, delay_ms: event.delayMs, retry_after_ms: event.askedMs, code: event.code }, 'upstream failed before output; trying the target again');
      return;
    case 'fallback':
      deps.logger.warn({ response_id: event.responseId, from: event.from, to: event.to, code: event.code }, 'upstream failed before output; falling back to the next target');
      return;
    case 'cooldown':
      deps.logger.warn({ response_id: event.responseId, provider: event.provider, model: event.model, seconds: event.seconds }, 'target keeps failing; skipped while it cools down');
      return;
    case 'skip':
      deps.logger.info({ response_id: event.responseId, provider: event.provider, model: event.model }, 'target cooling down; skipped');
      return;
    default: {
      const never: never = event;
      throw new Error(`unknown routing event ${JSON.stringify(never)}`);
    }
  }
}

/** Waits `ms`, or less when the run is aborted meanwhile. */
function sleep(ms: number, abort: UpstreamAbort): Promise<void> {
  return new Promise<void>((resolve) => {
    if (abort.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      abort.off('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    abort.once('abort', done);
  });
}
