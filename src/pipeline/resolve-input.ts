// Resolves the state a request points at (the previous_response_id chain or a conversation's items, item references, reasoning replayed by id) and keeps reasoning with its maker.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { untagItem } from '../../transformers/maker-tag.js';
import type { ConversionWarning, ResponseItem } from '../../transformers/responses-types.js';
import { notFound } from '../errors/gateway-error.js';
import type { ResponseStore } from '../store/response-store.js';
import { inputItemId } from './ids.js';
import { inputProvenance, isProviderBound, withheldReason, type TargetProvider } from './screen-reasoning.js';

/** Items resolved per turn of the event loop: an ordinary request has fewer and never waits for a turn. */
const SLICE_ITEMS = 2000;

/** One input item of this turn as stored and listed: its id, and the provider that made it (null: the client). */
export interface TurnItem {
  id: string;
  item: ResponseItem;
  provider: string | null;
}

export interface ResolvedInput {
  /** What goes upstream: history then this turn, or the client's input untouched when there is no state. */
  upstreamInput: string | ResponseItem[];
  /** How many items at the start of `upstreamInput` came from the previous_response_id chain or the conversation. */
  historyLength: number;
  /** This turn's items as stored and listed (an item left out upstream included: the client sent it). */
  turnItems: TurnItem[];
  warnings: ConversionWarning[];
}

/** The store's reads that state resolution needs. */
export type StoredState = Pick<ResponseStore, 'loadChain' | 'findItemsById' | 'loadConversation'>;

export interface InputState {
  input: string | ResponseItem[] | undefined;
  previousResponseId: string | null | undefined;
  /** The conversation whose items, in order, come before this turn (never with previousResponseId). */
  conversationId?: string | null;
  /** Whether the turn is stored: only then is every replayed item's provenance looked up, to be stored with it. */
  store: boolean;
}

/**
 * Whatever path an item takes (the chain, `item_reference`, by value, by id without content), one that only
 * its maker can read goes upstream only to that maker; elsewhere it is left out with a warning, and the
 * turn goes on without it.
 */
export async function resolveInput(
  state: StoredState,
  owner: string,
  target: TargetProvider,
  { input, previousResponseId, conversationId, store }: InputState,
): Promise<ResolvedInput> {
  const warnings: ConversionWarning[] = [];
  const given: ResponseItem[] = input === undefined ? [] : typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;

  const history: ResponseItem[] = [];
  const stateParam = conversationId ? 'conversation' : 'previous_response_id';
  const past = conversationId ? await state.loadConversation(owner, conversationId) : previousResponseId ? await state.loadChain(owner, previousResponseId) : [];
  if (!past) {
    throw conversationId
      ? notFound(`Conversation with id '${conversationId}' not found.`, 'conversation_not_found', 'conversation')
      : notFound(`Previous response with id '${previousResponseId}' not found.`, 'previous_response_not_found', 'previous_response_id');
  }
  // The same provenance rule for a chain and a conversation: reasoning goes back only to the provider that made it.
  for (const { item, provider: madeBy } of past) {
    const withheld = withheldReason(item, madeBy, target);
    if (withheld) warnings.push(leftOut(stateParam, item, withheld, target));
    else history.push(item);
  }

  const turn = await resolveTurn(state, owner, target, given, store, warnings);
  const upstreamInput = history.length === 0 && !turn.changed && input !== undefined ? input : [...history, ...turn.upstream];
  return { upstreamInput, historyLength: history.length, turnItems: turn.items, warnings };
}

/**
 * This turn's items: `item_reference` replaced by the stored item, a reasoning item replayed by id without
 * content given its stored encrypted content, and each one's maker looked up by id, so that an item a
 * client copies from an earlier output keeps that output's provenance. One query, only when some item has
 * an id worth looking up.
 */
async function resolveTurn(
  state: StoredState,
  owner: string,
  target: TargetProvider,
  given: ResponseItem[],
  store: boolean,
  warnings: ConversionWarning[],
): Promise<{ items: TurnItem[]; upstream: ResponseItem[]; changed: boolean }> {
  const wanted = given.filter((item) => typeof item.id === 'string' && (store || isReference(item) || isProviderBound(item))).map((item) => item.id as string);
  const stored = wanted.length === 0 ? undefined : await state.findItemsById(owner, wanted);
  let changed = false;
  const items: TurnItem[] = [];
  const upstream: ResponseItem[] = [];
  for (let index = 0; index < given.length; index++) {
    // A long history (Codex sends tens of thousands of items) is resolved a slice per turn of the event loop.
    if (index > 0 && index % SLICE_ITEMS === 0) await nextTurn();
    const sent = given[index]!;
    const found = typeof sent.id === 'string' ? stored?.get(sent.id) : undefined;
    // An output of a `store: false` turn names its maker in its blob; upstream gets the blob as it was made.
    const { item: untagged, maker } = untagItem(sent);
    let item = untagged;
    if (maker !== undefined) changed = true;
    if (isReference(sent)) {
      if (!found) throw notFound(`Item with id '${String(sent.id)}' not found.`, 'item_not_found', `input[${index}]`);
      item = found.item;
      changed = true;
    }
    const madeBy = found?.provider ?? maker ?? null;
    const withheld = withheldReason(item, madeBy, target);
    let provider = madeBy;
    if (withheld) {
      warnings.push(leftOut(`input[${index}]`, item, withheld, target));
      changed = true;
    } else {
      if (item.type === 'reasoning' && !item.encrypted_content && typeof found?.item.encrypted_content === 'string') {
        item = { ...item, encrypted_content: found.item.encrypted_content };
        changed = true;
      }
      upstream.push(item);
      provider = inputProvenance(item, madeBy, target);
    }
    items.push({ id: typeof item.id === 'string' ? item.id : inputItemId(item.type), item, provider });
  }
  return { items, upstream, changed };
}

const leftOut = (param: string, item: ResponseItem, why: string, target: TargetProvider): ConversionWarning => ({
  param,
  message: `${item.type} item ${item.id ?? '(no id)'} ${why}: not sent to provider "${target.name}", which could not use it.`,
});

const isReference = (item: ResponseItem) =>
  item.type === 'item_reference' || ((item.type === undefined || item.type === null) && item.role === undefined && typeof item.id === 'string');
