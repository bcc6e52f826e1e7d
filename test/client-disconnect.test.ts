// A client that goes away (mid-stream, or while waiting for a JSON answer): the gateway closes its upstream request and stores nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createParser } from 'eventsource-parser';
import { getJson } from './support/gateway-client.js';
import { fixturePath } from './support/mock-upstream.js';
import { authHeaders, useGatewayWithMock } from './support/test-gateway.js';

const env = useGatewayWithMock();

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Queues a recorded stream, paced as given, and opens a streaming request to it that the test can abort. */
async function openPacedStream(pace: { chunkSize: number; delayMs: number }): Promise<{ res: Response; abort: AbortController }> {
  env.upstream.reply('/v1/responses', { body: readFileSync(fixturePath('openai/text-with-conversation.sse')), contentType: 'text/event-stream', ...pace });
  const abort = new AbortController();
  const res = await fetch(`${env.gateway.url}/v1/responses`, {
    method: 'POST',
    headers: authHeaders(),
    body: JSON.stringify({ model: 'gpt-4o', input: 'hi', stream: true }),
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  return { res, abort };
}

describe('a client that disconnects mid-stream', () => {
  it('makes the gateway abort its upstream request, and nothing is stored', async () => {
    // A real recording, paced slowly: 64 bytes every 50 ms (about 4 s, longer than the wait below).
    const { res, abort } = await openPacedStream({ chunkSize: 64, delayMs: 50 });

    let responseId: string | undefined;
    const parser = createParser({
      onEvent(e) {
        const data = JSON.parse(e.data) as { response?: { id: string } };
        responseId ??= data.response?.id;
      },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    while (!responseId) {
      const { value } = await reader.read();
      parser.feed(decoder.decode(value, { stream: true }));
    }
    expect(env.upstream.activeRequests()).toBe(1);

    abort.abort();
    await until(() => env.upstream.activeRequests() === 0, 'the upstream request to close');
    expect(env.upstream.received.at(-1)!.replySent).toBe(false);
    const stored = await getJson(env.gateway.url, `/v1/responses/${responseId}`);
    expect(stored.status).toBe(404);
  });
});

describe('a client that disconnects while upstream is silent', () => {
  it('aborts the upstream request at once, without waiting for upstream to speak again', async () => {
    // The first 4 KB (response.created and more) at once, then nothing for 3 s: the gateway has nothing to
    // write, so only the client's hang-up itself can tell it to stop.
    const { res, abort } = await openPacedStream({ chunkSize: 4096, delayMs: 3_000 });
    const reader = res.body!.getReader();
    await reader.read();
    expect(env.upstream.activeRequests()).toBe(1);

    abort.abort();
    // Well inside the 3 s upstream pause.
    await until(() => env.upstream.activeRequests() === 0, 'the upstream request to close');
    expect(env.upstream.received.at(-1)!.replySent).toBe(false);
  });
});

describe('a non-streaming client that hangs up while waiting', () => {
  it('makes the gateway abort its upstream request, and nothing is stored', async () => {
    const countResponses = () => {
      const db = new SQLite(join(env.gateway.dir, 'junction.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = countResponses();
    // A real non-streaming answer, sent slowly: 64 bytes every 50 ms.
    env.upstream.reply('/v1/responses', { body: readFileSync(fixturePath('openai/create-text.json')), contentType: 'application/json', chunkSize: 64, delayMs: 50 });
    const abort = new AbortController();
    const pending = fetch(`${env.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: authHeaders(),
      body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }),
      signal: abort.signal,
    }).catch((err: Error) => err);
    await until(() => env.upstream.activeRequests() === 1, 'the upstream request to start');
    expect(env.upstream.received.at(-1)!.json.stream).toBe(false);

    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until(() => env.upstream.activeRequests() === 0, 'the upstream request to close');
    // Closed by the gateway before the slow answer was sent whole (it takes over a second).
    expect(env.upstream.received.at(-1)!.replySent).toBe(false);
    expect(countResponses()).toBe(before);
  });
});
