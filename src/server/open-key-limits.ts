// Picks where the per-key limits are counted: in the store every instance shares (PostgreSQL), or in this process (SQLite).
import type { KeyConfig } from '../config/config-schema.js';
import type { ResponseStore } from '../store/response-store.js';
import { countInProcess, keyCeilings, type KeyLimits } from './key-limits.js';
import { countShared, type SharedKeyLimitsOptions } from './shared-key-limits.js';

/** Undefined when no key has a ceiling: the request path then checks nothing at all. */
export function openKeyLimits(keys: KeyConfig[], store: Pick<ResponseStore, 'keyUsage'>, options: SharedKeyLimitsOptions = {}): KeyLimits | undefined {
  const ceilings = keyCeilings(keys);
  if (ceilings.size === 0) return undefined;
  return store.keyUsage ? countShared(ceilings, store.keyUsage, options) : countInProcess(ceilings, options.now);
}
