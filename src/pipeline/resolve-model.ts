// Routes a model name to its targets: a configured alias (one provider and model, or an ordered list), or PROVIDER/MODEL for any model of a configured provider.
import { ROUTING_DEFAULTS, type Config, type ModelConfig, type RoutingOverride } from '../config/config-schema.js';
import { notFound } from '../errors/gateway-error.js';
import type { JsonObject } from '../../transformers/responses-types.js';

/** One target: a provider and the model it is asked for. */
export interface ModelRoute {
  provider: string;
  upstreamModel: string;
  /** Ask upstream for encrypted reasoning on every turn. */
  reasoning: boolean;
}

/** What happens when a target fails before its first output (config `routing`, overridden per model). */
export interface RoutingPolicy {
  retries: number;
  backoffMs: number;
  maxRetryAfterMs: number;
  cooldown: { failures: number; ms: number };
}

export interface ModelPlan {
  /** In order: the first that answers serves the request. */
  targets: ModelRoute[];
  routing: RoutingPolicy;
  /** The alias's `defaults` and `drop` (none for PROVIDER/MODEL). */
  defaults: JsonObject | undefined;
  drop: string[];
  /** The alias (for warnings that name its keys), or undefined for PROVIDER/MODEL. */
  alias: string | undefined;
}

/** OpenAI's o-series and gpt-5 family reason; other models are reasoning models only when configured so. */
const DEFAULT_REASONING = /^(o\d|gpt-5)/;

const route = (provider: string, upstreamModel: string, reasoning: boolean | undefined): ModelRoute => ({
  provider,
  upstreamModel,
  reasoning: reasoning ?? DEFAULT_REASONING.test(upstreamModel),
});

/** An alias's plan is the same for every request: built once per config (and never changed: a run switches its own `route`). */
const aliasPlans = new WeakMap<Config, Map<string, ModelPlan>>();

export function resolveModel(name: string, config: Config): ModelPlan {
  let plans = aliasPlans.get(config);
  if (!plans) aliasPlans.set(config, (plans = new Map()));
  const known = plans.get(name);
  if (known) return known;
  const alias = Object.hasOwn(config.models, name) ? config.models[name] : undefined;
  if (alias) {
    const plan = aliasPlan(name, alias, config);
    plans.set(name, plan);
    return plan;
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const upstreamModel = name.slice(slash + 1);
    if (Object.hasOwn(config.providers, provider) && upstreamModel !== '') {
      return { targets: [route(provider, upstreamModel, undefined)], routing: routingPolicy(config.routing, undefined), defaults: undefined, drop: [], alias: undefined };
    }
  }
  throw notFound(`The model '${name}' does not exist or you do not have access to it.`, 'model_not_found', 'model');
}

function aliasPlan(name: string, alias: ModelConfig, config: Config): ModelPlan {
  const targets = alias.targets
    ? alias.targets.map((target) => route(target.provider, target.model, target.reasoning))
    : [route(alias.provider!, alias.model!, alias.reasoning)];
  return { targets, routing: routingPolicy(config.routing, alias.routing), defaults: alias.defaults as JsonObject | undefined, drop: alias.drop ?? [], alias: name };
}

/** The global `routing` under a model's own, over the defaults. */
export function routingPolicy(global: RoutingOverride, model: RoutingOverride | undefined): RoutingPolicy {
  const pick = <K extends 'retries' | 'backoff_ms' | 'max_retry_after_s'>(key: K) => model?.[key] ?? global[key] ?? ROUTING_DEFAULTS[key];
  return {
    retries: pick('retries'),
    backoffMs: pick('backoff_ms'),
    maxRetryAfterMs: pick('max_retry_after_s') * 1000,
    cooldown: {
      failures: model?.cooldown?.failures ?? global.cooldown?.failures ?? ROUTING_DEFAULTS.cooldown.failures,
      ms: (model?.cooldown?.seconds ?? global.cooldown?.seconds ?? ROUTING_DEFAULTS.cooldown.seconds) * 1000,
    },
  };
}
