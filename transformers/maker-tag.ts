// Names the provider that made an encrypted blob inside the blob, for `store: false` turns, whose outputs the gateway keeps no record of.
import type { JsonObject, ResponseItem, ResponsesEvent } from './responses-types.js';

// A `store: false` client replays reasoning by value, and nothing else tells the gateway who made it: without
// the tag, OpenAI's blob would go to xAI (and fail there). The provider's configured name is URI-encoded, so
// the first ':' after the prefix ends it; the blob follows unchanged.
const PREFIX = 'junction.maker.v1:';

/** `encrypted` as the client sees it: tagged with the provider that made it. */
export const tagMaker = (encrypted: string, provider: string): string => `${PREFIX}${encodeURIComponent(provider)}:${encrypted}`;

/** The maker and the blob as the provider made it, or undefined when `encrypted` carries no tag. */
export function readMakerTag(encrypted: string): { provider: string; encrypted: string } | undefined {
  if (!encrypted.startsWith(PREFIX)) return undefined;
  const end = encrypted.indexOf(':', PREFIX.length);
  if (end === -1) return undefined;
  try {
    return { provider: decodeURIComponent(encrypted.slice(PREFIX.length, end)), encrypted: encrypted.slice(end + 1) };
  } catch {
    // A damaged name is no tag: the item is then of unknown origin, as an untagged one.
    return undefined;
  }
}

/** The item with its encrypted content tagged (itself when it has none). */
export function tagItem(item: ResponseItem, provider: string): ResponseItem {
  return typeof item.encrypted_content === 'string' ? { ...item, encrypted_content: tagMaker(item.encrypted_content, provider) } : item;
}

/** The item with its tag removed, and the maker the tag named (undefined when it had none). */
export function untagItem(item: ResponseItem): { item: ResponseItem; maker?: string } {
  const tag = typeof item.encrypted_content === 'string' ? readMakerTag(item.encrypted_content) : undefined;
  return tag ? { item: { ...item, encrypted_content: tag.encrypted }, maker: tag.provider } : { item };
}

/** An upstream event with every encrypted blob it carries (an item, or a terminal response's output) tagged. */
export function tagEvent(event: ResponsesEvent, provider: string): ResponsesEvent {
  const item = event.item as ResponseItem | undefined;
  if (item && typeof item.encrypted_content === 'string') return { ...event, item: tagItem(item, provider) };
  const response = event.response as JsonObject | undefined;
  if (response && Array.isArray(response.output) && (response.output as ResponseItem[]).some((i) => typeof i.encrypted_content === 'string')) {
    return { ...event, response: tagOutput(response, provider) };
  }
  return event;
}

/** A Response object with its output's encrypted blobs tagged. */
export const tagOutput = (response: JsonObject, provider: string): JsonObject => ({
  ...response,
  output: (response.output as ResponseItem[]).map((i) => tagItem(i, provider)),
});
