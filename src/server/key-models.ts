// Which models a key may use (keys[].models): its aliases, and PROVIDER/MODEL for each provider it names.
import type { Config } from '../config/config-schema.js';
import { notFound } from '../errors/gateway-error.js';

/** Per key name, the allowed names; a key absent here may use every model. */
export type ModelAllowances = Map<string, Set<string>>;

const cache = new WeakMap<Config, ModelAllowances>();

/** Built once per config. */
export function modelAllowances(config: Config): ModelAllowances {
  let allowances = cache.get(config);
  if (!allowances) {
    allowances = new Map(config.keys.flatMap((key) => (key.models ? [[key.name, new Set(key.models)] as const] : [])));
    cache.set(config, allowances);
  }
  return allowances;
}

/** Whether `owner` may use `model` (an alias, or PROVIDER/MODEL). */
export function mayUseModel(allowances: ModelAllowances, owner: string, model: string): boolean {
  const allowed = allowances.get(owner);
  if (!allowed) return true;
  if (allowed.has(model)) return true;
  const slash = model.indexOf('/');
  return slash > 0 && allowed.has(model.slice(0, slash));
}

/** As OpenAI answers for a model the project cannot see: the same 404 as for one that does not exist. */
export function modelNotFound(model: string) {
  return notFound(`The model '${model}' does not exist or you do not have access to it.`, 'model_not_found', 'model');
}
