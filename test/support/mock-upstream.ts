// A mock upstream at the network edge: replays recorded fixture bytes over real HTTP and records what it received.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fixturesDir } from './fixture-dirs.js';
import { recordedTerminal } from './read-sse-fixture.js';

export interface Reply {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body: string | Buffer;
  /** Split the body into pieces of this many bytes, so the gateway's SSE parser sees lines cut anywhere. */
  chunkSize?: number;
  /** Wait this long between pieces (a slow upstream). */
  delayMs?: number;
  /** With `chunkSize`: the body's first this many bytes go at once, the rest piece by piece (a stream that starts, then dribbles). */
  burst?: number;
  /**
   * What the same upstream answers when the request says `stream: false`: the recorded stream's final
   * Response object as one JSON body, as OpenAI and xAI do. Served instead of `body` to such a request.
   */
  nonStreaming?: Reply;
  /**
   * Instead of ending the reply after its body: cut the connection (`reset`), or keep it open and silent
   * (`hang`; with `chunkSize`, after the last piece).
   */
  end?: 'reset' | 'hang';
  /**
   * Instead of `body`: pieces written in order, waiting for each promise on the way (a test's gate: the
   * upstream says nothing, even its status line, until the test lets it go on). Then `end` applies.
   */
  script?: (string | Promise<unknown>)[];
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: Record<string, unknown>;
  /** Set when the connection closes: whether the whole reply was sent (false: the gateway hung up first). */
  replySent?: boolean;
  /** Bytes of a reply sent piece by piece (`chunkSize`) that were written before the gateway hung up. */
  bytesWritten?: number;
}

export interface MockUpstream {
  url: string;
  received: ReceivedRequest[];
  /** Queues replies for a path (e.g. `/v1/responses`), served in order. */
  reply(path: string, ...replies: Reply[]): void;
  /** Sockets with a request in flight (idle keep-alive sockets are not counted). */
  activeRequests(): number;
  /** Resolves once no request is in flight (every reply ended, or the gateway hung up). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function fixturePath(relative: string): string {
  return join(fixturesDir, relative);
}

/** A recorded fixture as a reply: `.sse` as an event stream, `.json` as a JSON body with the given status. */
export function fixtureReply(relative: string, options: { status?: number; chunkSize?: number; headers?: Record<string, string> } = {}): Reply {
  const body = readFileSync(fixturePath(relative));
  const sse = relative.endsWith('.sse');
  const reply: Reply = { body, status: options.status ?? 200, contentType: sse ? 'text/event-stream' : 'application/json', chunkSize: options.chunkSize, headers: options.headers };
  // What OpenAI's API documents a non-streaming call to return: the Response that `response.completed` (or
  // `.incomplete`) carries. Synthetic: derived from the recording, not recorded itself; a stream that fails
  // or is cut has no such body.
  const terminal = sse ? recordedTerminal(relative) : undefined;
  const final = terminal && terminal.type !== 'response.failed' ? terminal.response : undefined;
  if (final) reply.nonStreaming = { body: JSON.stringify(final), status: reply.status, contentType: 'application/json', chunkSize: options.chunkSize, headers: options.headers };
  return reply;
}

/** Plays a scripted reply: the head goes out with the first piece of text. */
async function playScript(res: ServerResponse, reply: Reply): Promise<void> {
  for (const piece of reply.script!) {
    if (typeof piece !== 'string') {
      await piece;
      continue;
    }
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/event-stream', ...reply.headers });
    res.write(piece);
  }
  if (reply.end === 'reset') res.socket?.destroy();
  else if (reply.end !== 'hang' && !res.destroyed) res.end();
}

/** A promise a test resolves when it wants a scripted upstream to go on. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const queues = new Map<string, Reply[]>();
  const received: ReceivedRequest[] = [];
  let active = 0;
  let idleWaiters: (() => void)[] = [];

  const server: Server = createServer((req, res) => {
    active++;
    res.once('close', () => {
      active--;
      if (active > 0) return;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        json = {};
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const entry: ReceivedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, json };
      received.push(entry);
      res.once('close', () => (entry.replySent = res.writableFinished));
      const queued = queues.get(path)?.shift();
      const reply = queued?.nonStreaming && json.stream !== true ? queued.nonStreaming : queued;
      if (!reply) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `mock upstream: no reply queued for ${path}`, type: 'server_error' } }));
        return;
      }
      if (reply.script) return void playScript(res, reply);
      const bytes = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
      if (reply.end && !(reply.end === 'hang' && reply.chunkSize)) {
        // An empty body cuts or stalls before the status line; otherwise after the body.
        // The cut waits for the body to reach the socket: destroying it earlier would drop the body too.
        const cut = () => reply.end === 'reset' && res.socket?.destroy();
        if (bytes.length === 0) return void cut();
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
        res.write(bytes, cut);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
      if (!reply.chunkSize) {
        res.end(bytes);
        return;
      }
      let offset = 0;
      if (reply.burst) {
        res.write(bytes.subarray(0, reply.burst));
        offset = reply.burst;
      }
      const writeNext = () => {
        if (res.destroyed) return;
        entry.bytesWritten = Math.min(offset, bytes.length);
        if (offset >= bytes.length) return void (reply.end === 'hang' ? undefined : res.end());
        res.write(bytes.subarray(offset, offset + reply.chunkSize!));
        offset += reply.chunkSize!;
        if (reply.delayMs) setTimeout(writeNext, reply.delayMs);
        else setImmediate(writeNext);
      };
      writeNext();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    reply(path, ...replies) {
      queues.set(path, [...(queues.get(path) ?? []), ...replies]);
    },
    activeRequests: () => active,
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
