// The benchmark's mock upstream, its own process: node:http answering /v1/responses and /v1/chat/completions with pre-serialised bodies, plus GET /__stats.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { fillerText, mockAnswer, type MockShape } from './mock-bodies.js';
import { parseMockProfile } from './mock-profile.js';

/** Counters read by the harness; `inflight` counts requests whose answer is not finished, not idle keep-alive sockets. */
export interface MockStats {
  requests: number;
  inflight: number;
  maxInflight: number;
  aborted: number;
  sockets: number;
}

export interface MockUpstream {
  server: Server;
  port: number;
  stats: MockStats;
  close: () => Promise<void>;
}

interface PacedStream {
  res: ServerResponse;
  next: number;
  count: number;
  frame: (index: number) => string;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** One timer per pace drives every stream at that pace, so 200 paced streams cost one timer, not 200. */
class PacedScheduler {
  private readonly groups = new Map<number, { streams: Set<PacedStream>; timer: NodeJS.Timeout }>();

  add(paceMs: number, stream: PacedStream): void {
    let group = this.groups.get(paceMs);
    if (group === undefined) {
      const streams = new Set<PacedStream>();
      const timer = setInterval(() => this.tick(paceMs), paceMs);
      group = { streams, timer };
      this.groups.set(paceMs, group);
    }
    group.streams.add(stream);
    stream.res.on('close', () => this.remove(paceMs, stream));
  }

  private remove(paceMs: number, stream: PacedStream): void {
    const group = this.groups.get(paceMs);
    if (group === undefined) return;
    group.streams.delete(stream);
    if (group.streams.size === 0) {
      clearInterval(group.timer);
      this.groups.delete(paceMs);
    }
  }

  private tick(paceMs: number): void {
    const group = this.groups.get(paceMs);
    if (group === undefined) return;
    for (const s of group.streams) {
      s.res.write(s.frame(s.next));
      s.next += 1;
      if (s.next >= s.count) {
        s.res.end();
        this.remove(paceMs, s);
      }
    }
  }

  stop(): void {
    for (const group of this.groups.values()) clearInterval(group.timer);
    this.groups.clear();
  }
}

const hugeDeltas = new Map<number, Buffer>();

/** An `output_text.delta` event of about `bytes` bytes, cached: writing it costs the mock no serialising. */
function hugeDelta(bytes: number): Buffer {
  let frame = hugeDeltas.get(bytes);
  if (frame === undefined) {
    const data = JSON.stringify({ type: 'response.output_text.delta', item_id: 'msg_huge', output_index: 0, content_index: 0, delta: fillerText(bytes), sequence_number: 4 });
    frame = Buffer.from(`event: response.output_text.delta\ndata: ${data}\n\n`);
    hugeDeltas.set(bytes, frame);
  }
  return frame;
}

function shapeOf(url: string | undefined): MockShape | null {
  if (url === '/v1/responses') return 'responses';
  if (url === '/v1/chat/completions') return 'chat';
  return null;
}

/** Reads only the two fields the mock needs; a full JSON.parse of a 1 MB input would tax every target alike for nothing. */
function readRequestFields(body: string): { model: string; stream: boolean } {
  const model = /"model"\s*:\s*"([^"]*)"/.exec(body)?.[1] ?? 'bench';
  const stream = /"stream"\s*:\s*true/.test(body);
  return { model, stream };
}

export function startMockUpstream(port: number, host = '127.0.0.1'): Promise<MockUpstream> {
  const stats: MockStats = { requests: 0, inflight: 0, maxInflight: 0, aborted: 0, sockets: 0 };
  const scheduler = new PacedScheduler();
  const idPrefix = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
  let counter = 0;

  const answer = (res: ServerResponse, shape: MockShape, body: string): void => {
    const { model, stream } = readRequestFields(body);
    const profile = parseMockProfile(model);
    counter += 1;
    const n = `${idPrefix}${counter.toString(16).padStart(40, '0')}`;
    const ids = { responseId: shape === 'responses' ? `resp_${n}` : `chatcmpl-${n}`, itemId: `msg_${n}` };
    const send = (): void => {
      if (res.destroyed) return;
      const out = mockAnswer(shape, stream, model, profile, ids);
      if (out.kind === 'json') {
        res.writeHead(200, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(out.body) });
        res.end(out.body);
        return;
      }
      res.writeHead(200, SSE_HEADERS);
      if (profile.hugeEventBytes > 0 && shape === 'responses') {
        // The stream's head, then one event far past the gateway's limit, written as a Buffer built once.
        for (let i = 0; i < 4; i += 1) res.write(out.frame(i));
        res.end(hugeDelta(profile.hugeEventBytes));
        return;
      }
      if (profile.paceMs <= 0) {
        let all = '';
        for (let i = 0; i < out.count; i += 1) all += out.frame(i);
        res.end(all);
        return;
      }
      const lead = Math.min(out.count, Math.max(1, profile.leadEvents));
      let head = '';
      for (let i = 0; i < lead; i += 1) head += out.frame(i);
      res.write(head);
      if (lead < out.count) scheduler.add(profile.paceMs, { res, next: lead, count: out.count, frame: out.frame });
      else res.end();
    };
    if (profile.latencyMs > 0) setTimeout(send, profile.latencyMs);
    else send();
  };

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__stats') {
      res.writeHead(200, JSON_HEADERS).end(JSON.stringify(stats));
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, JSON_HEADERS).end('{"object":"list","data":[]}');
      return;
    }
    const shape = shapeOf(req.url);
    if (req.method !== 'POST' || shape === null) {
      res.writeHead(404, JSON_HEADERS).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    stats.requests += 1;
    stats.inflight += 1;
    stats.maxInflight = Math.max(stats.maxInflight, stats.inflight);
    res.on('close', () => {
      stats.inflight -= 1;
      if (!res.writableFinished) stats.aborted += 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(res, shape, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    stats.sockets += 1;
    socket.on('close', () => {
      stats.sockets -= 1;
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const close = (): Promise<void> =>
        new Promise((done) => {
          scheduler.stop();
          server.closeAllConnections();
          server.close(() => done());
        });
      resolve({ server, port: bound, stats, close });
    });
  });
}

function portArgument(argv: string[]): number {
  const i = argv.indexOf('--port');
  return i >= 0 ? Number(argv[i + 1]) : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mock = await startMockUpstream(portArgument(process.argv));
  process.stdout.write(`mock upstream listening on 127.0.0.1:${mock.port}\n`);
  process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
}
