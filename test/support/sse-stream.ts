// Reads a gateway's SSE answer as it arrives: events and comment lines (heartbeats), item by item, so a test can act mid-stream.
import { createParser } from 'eventsource-parser';
import type { JsonObject } from '../../transformers/responses-types.js';

export type SseItem = { kind: 'event'; name: string | undefined; data: JsonObject & { type: string } } | { kind: 'comment'; text: string };

export interface SseStream {
  status: number;
  contentType: string | null;
  /** Everything read so far. */
  items: SseItem[];
  /** The next item, or undefined once the stream has ended. */
  next(): Promise<SseItem | undefined>;
  /** Reads until an item matches; fails if the stream ends first. */
  until(match: (item: SseItem) => boolean): Promise<SseItem>;
  /** Reads to the end; resolves with the events (comments left out). */
  rest(): Promise<(JsonObject & { type: string })[]>;
  /** Hangs up (a client that leaves mid-stream). */
  close(): void;
  /** The JSON body, when the answer was not a stream. */
  json?: JsonObject;
}

export async function openSse(url: string, init: RequestInit): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const contentType = res.headers.get('content-type');
  const items: SseItem[] = [];
  if (!contentType?.startsWith('text/event-stream')) {
    const json = (await res.json()) as JsonObject;
    return { status: res.status, contentType, items, json, next: async () => undefined, until: () => Promise.reject(new Error('not a stream')), rest: async () => [], close: () => undefined };
  }
  const queue: SseItem[] = [];
  const parser = createParser({
    onEvent: (message) => queue.push({ kind: 'event', name: message.event, data: JSON.parse(message.data) as JsonObject & { type: string } }),
    onComment: (text) => queue.push({ kind: 'comment', text }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let ended = false;
  const next = async (): Promise<SseItem | undefined> => {
    while (queue.length === 0 && !ended) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) ended = true;
      else parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
    const item = queue.shift();
    if (item) items.push(item);
    return item;
  };
  return {
    status: res.status,
    contentType,
    items,
    next,
    async until(match) {
      for (let item = await next(); item; item = await next()) if (match(item)) return item;
      throw new Error(`the stream ended before the awaited item; read: ${items.map((i) => (i.kind === 'event' ? i.data.type : ':')).join(' ')}`);
    },
    async rest() {
      while (await next());
      return items.flatMap((item) => (item.kind === 'event' ? [item.data] : []));
    },
    close: () => controller.abort(),
  };
}
