// Reads an upstream SSE body through eventsource-parser and yields the events of each chunk together, keeping the raw text if asked.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseCapture {
  /** The raw bytes as text, for the stored upstream exchange; empty when capture is off. */
  raw: string[];
}

/**
 * Yields the events completed by each chunk read, as one array: a burst of upstream events costs one
 * step of every async iterator downstream instead of one per event.
 */
export async function* readSse(body: AsyncIterable<Uint8Array | string>, capture?: SseCapture): AsyncGenerator<EventSourceMessage[]> {
  let pending: EventSourceMessage[] = [];
  // Comments (`: OPENROUTER PROCESSING`) and retry lines are handled by the parser and never reach us.
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    capture?.raw.push(text);
    parser.feed(text);
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      yield batch;
    }
  }
  const tail = decoder.decode();
  if (tail) {
    capture?.raw.push(tail);
    parser.feed(tail);
  }
  // A last event without its blank line is still an event.
  parser.feed('\n\n');
  if (pending.length > 0) yield pending;
}
