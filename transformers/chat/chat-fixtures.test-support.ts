// Test support: finds the recorded Chat Completions fixtures and reads them into the chunks the converter takes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { fixturesDir } from '../../test/support/fixture-dirs.js';
import type { ResponsesEvent } from '../responses-types.js';
import { createChatStreamConverter, type ChatStreamOptions } from './chat-stream-to-events.js';
import { completionToChunks } from './completion-to-chunks.js';

export { fixturesDir };

/** Every Chat Completions recording (`<provider>/chat-*.sse` and non-request `chat-*.json`), as `provider/file`. */
export function listChatFixtures(): string[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(path.join(fixturesDir, dir.name))
        .filter((file) => file.startsWith('chat-') && !file.endsWith('.request.json'))
        .filter((file) => file.endsWith('.sse') || file.endsWith('.json'))
        .map((file) => `${dir.name}/${file}`),
    )
    .sort();
}

/** The chunks of a fixture: SSE `data:` payloads read by eventsource-parser up to `[DONE]`, or a JSON body's chunks. */
export function readFixtureChunks(fixture: string): unknown[] {
  const text = readFileSync(path.join(fixturesDir, fixture), 'utf8');
  if (fixture.endsWith('.json')) return completionToChunks(JSON.parse(text));
  const chunks: unknown[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (event) => {
      if (done) return;
      if (event.data === '[DONE]') done = true;
      else chunks.push(JSON.parse(event.data));
    },
  });
  parser.feed(text);
  parser.feed('\n\n');
  return chunks;
}

export function readFixtureJson(fixture: string): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDir, fixture), 'utf8'));
}

/** Ids like `rs_1`, `msg_2`: deterministic, so tests can name them. */
export function counterIds(): ChatStreamOptions['newItemId'] {
  let next = 0;
  return (prefix) => `${prefix}_${++next}`;
}

/** Runs chunks through a fresh converter, `finish()` included. */
export function convertChunks(
  chunks: unknown[],
  reasoningEvents: ChatStreamOptions['reasoningEvents'] = 'summary',
  webSearch = false,
  toolCalls?: ChatStreamOptions['toolCalls'],
): ResponsesEvent[] {
  const converter = createChatStreamConverter({ newItemId: counterIds(), reasoningEvents, webSearch, toolCalls });
  return [...chunks.flatMap((chunk) => converter.push(chunk)), ...converter.finish()];
}
