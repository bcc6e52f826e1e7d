// Decides where an item that only its maker can read (reasoning, encrypted content) may go, and whom a stored input item is from.
import { isGatewayReasoningEncoding } from '../../transformers/chat/reasoning-details-codec.js';
import type { ResponseItem } from '../../transformers/responses-types.js';
import type { ProviderConfig } from '../config/config-schema.js';

/** The provider a request goes to: its configured name (the unit of "same provider") and its type. */
export interface TargetProvider {
  name: string;
  config: Pick<ProviderConfig, 'type' | 'quirks'>;
}

/**
 * Reasoning, and any item with `encrypted_content` (OpenAI's compaction items), is readable only by the
 * configured provider that made it: another provider (another vendor, or the same vendor under another key
 * or base URL) cannot decrypt it, and OpenAI answers 400 `invalid_encrypted_content` or a 404 for the id.
 */
export function isProviderBound(item: ResponseItem): boolean {
  return item.type === 'reasoning' || typeof item.encrypted_content === 'string';
}

/**
 * Why `item` must not go to `target`, or undefined when it may. `madeBy` is the configured provider that
 * produced it, null when the gateway cannot know (an output of a `store: false` turn replayed by value):
 * then only its form can tell, and the gateway's own encoding of Chat reasoning is readable by a Chat
 * provider only. Anything else of unknown origin is the client's to send.
 */
export function foreignReason(item: ResponseItem, madeBy: string | null, target: TargetProvider): string | undefined {
  if (!isProviderBound(item)) return undefined;
  if (madeBy !== null) return madeBy === target.name ? undefined : `made by provider "${madeBy}"`;
  if (isChatEncoded(item) && target.config.type !== 'chat-completions') return 'made by a Chat Completions provider';
  return undefined;
}

/**
 * Why a reasoning item replayed by id alone (no encrypted content) goes nowhere, or undefined when it may
 * go: when the gateway knows no maker for that id, the turn that made it was `store: false`, so upstream
 * did not keep it either, and OpenAI answers 404 "Items are not persisted when `store` is set to false".
 * With no encrypted content and no stored state, no provider can use it; leaving it out keeps the turn alive.
 */
export function unresolvableReason(item: ResponseItem, madeBy: string | null): string | undefined {
  if (madeBy !== null || item.type !== 'reasoning' || typeof item.id !== 'string' || typeof item.encrypted_content === 'string') return undefined;
  return 'has no encrypted content and was never stored (a `store: false` turn)';
}

/** Why `item` must stay out of `target`'s request (another maker's, or resolvable nowhere), or undefined when it may go. */
export function withheldReason(item: ResponseItem, madeBy: string | null, target: TargetProvider): string | undefined {
  return foreignReason(item, madeBy, target) ?? unresolvableReason(item, madeBy);
}

/**
 * The provenance stored with an input item sent to `target`: its maker when known; for a provider-bound
 * item of unknown origin that `target` can read, `target` (it went there, so a later turn replays it there
 * and nowhere else); null for what the client wrote (messages, tool outputs).
 */
export function inputProvenance(item: ResponseItem, madeBy: string | null, target: TargetProvider): string | null {
  if (madeBy !== null || !isProviderBound(item)) return madeBy;
  const readable = isChatEncoded(item) ? target.config.type === 'chat-completions' && target.config.quirks === 'openrouter' : target.config.type === 'openai-responses';
  return readable ? target.name : null;
}

const isChatEncoded = (item: ResponseItem) => typeof item.encrypted_content === 'string' && isGatewayReasoningEncoding(item.encrypted_content);
