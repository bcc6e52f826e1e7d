// Resolves the state a request points at: the previous_response_id chain, item references, replayed reasoning.
import type { Kysely } from 'kysely';
import type { ConversionWarning, ResponseItem } from '../../transformers/responses-types.js';
import { notFound } from '../errors/gateway-error.js';
import { findItemsById, loadChain } from '../store/responses-repository.js';
import type { Database } from '../store/schema.js';
import { inputItemId } from './ids.js';

export interface ResolvedInput {
  /** What goes upstream: history then this turn, or the client's input untouched when there is no state. */
  upstreamInput: string | ResponseItem[];
  /** How many items at the start of `upstreamInput` came from the previous_response_id chain. */
  historyLength: number;
  /** This turn's items as stored and listed, each with its id. */
  turnItems: { id: string; item: ResponseItem }[];
  warnings: ConversionWarning[];
}

export async function resolveInput(
  db: Kysely<Database>,
  owner: string,
  provider: string,
  input: string | ResponseItem[] | undefined,
  previousResponseId: string | null | undefined,
): Promise<ResolvedInput> {
  const warnings: ConversionWarning[] = [];
  const given: ResponseItem[] = input === undefined ? [] : typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;

  const history: ResponseItem[] = [];
  if (previousResponseId) {
    const chain = await loadChain(db, owner, previousResponseId);
    if (!chain) {
      throw notFound(`Previous response with id '${previousResponseId}' not found.`, 'previous_response_not_found', 'previous_response_id');
    }
    for (const { item, provider: madeBy } of chain) {
      // Encrypted reasoning only makes sense to the provider that produced it; another one rejects it.
      if (item.type === 'reasoning' && madeBy !== null && madeBy !== provider) {
        warnings.push({ param: 'previous_response_id', message: `reasoning item ${item.id ?? ''} from provider "${madeBy}" not replayed to "${provider}"` });
        continue;
      }
      history.push(item);
    }
  }

  const { items: turn, changed } = await hydrateItems(db, owner, provider, given, warnings);
  const turnItems = turn.map((item) => ({ id: typeof item.id === 'string' ? item.id : inputItemId(item.type ?? undefined), item }));
  const upstreamInput = history.length === 0 && !changed && input !== undefined ? (typeof input === 'string' ? input : turn) : [...history, ...turn];
  return { upstreamInput, historyLength: history.length, turnItems, warnings };
}

/**
 * Replaces `item_reference` items by the stored item, and gives reasoning items replayed by id only
 * (the Agents SDK does this) their stored encrypted content, when it came from the same provider.
 */
async function hydrateItems(
  db: Kysely<Database>,
  owner: string,
  provider: string,
  items: ResponseItem[],
  warnings: ConversionWarning[],
): Promise<{ items: ResponseItem[]; changed: boolean }> {
  const wanted = items
    .filter((item) => isReference(item) || (item.type === 'reasoning' && typeof item.id === 'string' && !item.encrypted_content))
    .map((item) => item.id as string);
  if (wanted.length === 0) return { items, changed: false };
  const stored = await findItemsById(db, owner, wanted);
  let changed = false;
  const resolved = items.map((item, index) => {
    const found = typeof item.id === 'string' ? stored.get(item.id) : undefined;
    if (isReference(item)) {
      if (!found) throw notFound(`Item with id '${String(item.id)}' not found.`, 'item_not_found', `input[${index}]`);
      changed = true;
      return found.item;
    }
    if (found && typeof found.item.encrypted_content === 'string') {
      if (found.provider !== null && found.provider !== provider) {
        warnings.push({ param: `input[${index}]`, message: `encrypted reasoning from provider "${found.provider}" not sent to "${provider}"` });
        return item;
      }
      changed = true;
      return { ...item, encrypted_content: found.item.encrypted_content };
    }
    return item;
  });
  return { items: resolved, changed };
}

const isReference = (item: ResponseItem) =>
  item.type === 'item_reference' || ((item.type === undefined || item.type === null) && item.role === undefined && typeof item.id === 'string');
