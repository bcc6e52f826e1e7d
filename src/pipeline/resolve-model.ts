// Routes a model name to a provider: a configured alias, or PROVIDER/MODEL for any model of a configured provider.
import type { Config } from '../config/config-schema.js';
import { notFound } from '../errors/gateway-error.js';

export interface ModelRoute {
  provider: string;
  upstreamModel: string;
  /** Ask upstream for encrypted reasoning on every turn. */
  reasoning: boolean;
}

/** OpenAI's o-series and gpt-5 family reason; other models are reasoning models only when configured so. */
const DEFAULT_REASONING = /^(o\d|gpt-5)/;

export function resolveModel(name: string, config: Config): ModelRoute {
  const alias = config.models[name];
  if (alias) {
    return { provider: alias.provider, upstreamModel: alias.model, reasoning: alias.reasoning ?? DEFAULT_REASONING.test(alias.model) };
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const upstreamModel = name.slice(slash + 1);
    if (provider in config.providers && upstreamModel !== '') {
      return { provider, upstreamModel, reasoning: DEFAULT_REASONING.test(upstreamModel) };
    }
  }
  throw notFound(`The model '${name}' does not exist or you do not have access to it.`, 'model_not_found', 'model');
}
