// Reads an upstream SSE body through eventsource-parser and yields the events of each chunk together, within the configured limits, keeping the raw bytes if asked.
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { captureChunk, eventTooLarge, responseTooLarge, type UpstreamReading } from './read-upstream-body.js';

export type { SseCapture } from './read-upstream-body.js';

/**
 * Yields the events completed by each chunk read, as one array: a burst of upstream events costs one
 * step of every async iterator downstream instead of one per event. An event that grows past
 * limits.max_upstream_event_mb, or a body past limits.max_response_mb, stops the read (the parser would
 * otherwise keep the whole of it in memory).
 */
export async function* readSse(body: AsyncIterable<Uint8Array>, reading: UpstreamReading): AsyncGenerator<EventSourceMessage[]> {
  let pending: EventSourceMessage[] = [];
  // Comments (`: OPENROUTER PROCESSING`) and retry lines are handled by the parser and never reach us; a
  // comment is an upstream's keep-alive while its model reasons, so it counts as progress for idle_ms.
  const parser = createParser({ onEvent: (event) => pending.push(event), onComment: () => reading.deadline.progressed() });
  // StringDecoder keeps a character cut between two chunks, as TextDecoder's stream mode does, at a
  // fraction of its cost on Node 20.
  const decoder = new StringDecoder('utf8');
  const { capture } = reading;
  let total = 0;
  /** Bytes read since a chunk last completed an event: an upper bound on the event being read, to within one chunk. */
  let open = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      open += chunk.length;
      if (total > reading.maxResponseBytes) throw responseTooLarge(reading);
      if (capture) captureChunk(capture, chunk);
      parser.feed(decoder.write(chunk as Buffer));
      if (pending.length > 0) {
        // Progress is a whole event (or comment line): bytes that complete none (a dribble) do not hold off
        // idle_ms. The gap is upstream's from when the consumer asks for more, not while it handles these.
        open = 0;
        const batch = pending;
        pending = [];
        reading.deadline.hold();
        yield batch;
        reading.deadline.progressed();
      } else if (open > reading.maxEventBytes) throw eventTooLarge(reading);
    }
  } catch (err) {
    throw reading.deadline.failure(err);
  } finally {
    reading.deadline.finish();
  }
  const tail = decoder.end();
  if (tail) parser.feed(tail);
  // A last event without its blank line is still an event.
  parser.feed('\n\n');
  if (pending.length > 0) yield pending;
}
