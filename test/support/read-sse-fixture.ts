// Test support: reads recorded upstream traffic from the repository's test/fixtures/ (SSE streams and JSON bodies).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { fixturesDir } from './fixture-dirs.js';

export interface SseFixtureEvent {
  event?: string;
  data: string;
}

function fixturePath(relativePath: string): string {
  return path.join(fixturesDir, relativePath);
}

/** Parses an `.sse` fixture (e.g. `openai/text-with-conversation.sse`) into its events, in order. */
export function readSseFixture(relativePath: string): SseFixtureEvent[] {
  const file = fixturePath(relativePath);
  const events: SseFixtureEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      events.push(message.event === undefined ? { data: message.data } : { event: message.event, data: message.data });
    },
    onError(error) {
      // A fixture the parser cannot read would make every test built on it meaningless.
      throw new Error(`${file}: ${error.message}`);
    },
  });
  parser.feed(readFileSync(file, 'utf8'));
  // Some recordings end without the blank line that terminates the last event.
  parser.reset({ consume: true });
  return events;
}

/**
 * The terminal event of a recorded stream (`response.completed`, `.incomplete` or `.failed`) with the
 * Response it carries, or undefined when the recording has none (a stream that is cut). Older streams name
 * the event only in the `event:` line.
 */
export function recordedTerminal(relativePath: string): { type: string; response: Record<string, unknown> } | undefined {
  for (const e of readSseFixture(relativePath).reverse()) {
    if (e.data === '[DONE]') continue;
    const data = JSON.parse(e.data) as { type?: string; response?: Record<string, unknown> };
    const type = data.type ?? e.event;
    if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') return { type, response: data.response ?? {} };
  }
  return undefined;
}

/** Parses a `.json` fixture (e.g. `openai/create-text.json`). */
export function readJsonFixture(relativePath: string): unknown {
  return JSON.parse(readFileSync(fixturePath(relativePath), 'utf8'));
}
