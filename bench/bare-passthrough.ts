// The floor: a bare hono + @hono/node-server + undici pass-through that forwards every POST /v1/* to the mock and relays the answer, nothing else; with --store, the floor of a gateway that keeps every answer durably.
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { fsync, openSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';

/**
 * The least a gateway that promises "an answer a client saw is on disk" can do: one row per answer (its raw
 * bytes, rowid key), the writes of one event-loop turn in one transaction, one at a time, the WAL fsynced on
 * libuv's thread pool before the answers are released. No parsing, no items, no indexes, and no checkpoints
 * during the run (the WAL only grows): cheaper than any real store, so what it costs is a floor.
 */
function durableStore(file: string): (body: Buffer) => Promise<void> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS answers (body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO answers (body) VALUES (?)');
  const commit = db.transaction((bodies: Buffer[]) => {
    for (const body of bodies) insert.run(body);
  });
  const wal = openSync(`${file}-wal`, 'r');
  let queue: Array<{ body: Buffer; done: () => void; fail: (err: unknown) => void }> = [];
  let running = false;
  const cycle = (): void => {
    const batch = queue;
    queue = [];
    try {
      commit(batch.map((p) => p.body));
    } catch (err) {
      for (const p of batch) p.fail(err);
      return next();
    }
    fsync(wal, (err) => {
      for (const p of batch) (err ? p.fail(err) : p.done());
      next();
    });
  };
  const next = (): void => {
    if (queue.length > 0) setImmediate(cycle);
    else running = false;
  };
  return (body) =>
    new Promise<void>((done, fail) => {
      queue.push({ body, done, fail });
      if (!running) {
        running = true;
        setImmediate(cycle);
      }
    });
}

export function createBarePassthrough(upstreamOrigin: string, storeFile?: string): Hono {
  const pool = new Pool(upstreamOrigin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const store = storeFile === undefined ? undefined : durableStore(storeFile);
  const app = new Hono();
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [] }));
  app.post('/v1/*', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const upstream = await pool.request({
      path: c.req.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body,
      // A client that hangs up aborts the upstream call, as any gateway should.
      signal: c.req.raw.signal,
    });
    const contentType = upstream.headers['content-type'];
    const type = typeof contentType === 'string' ? contentType : 'application/json';
    const headers = { 'content-type': type };
    if (type.startsWith('text/event-stream')) {
      // Relayed as it comes, stored or not.
      return new Response(Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>, { status: upstream.statusCode, headers });
    }
    // A JSON answer is small and whole: sent as one buffer (cheaper than a web stream), and with --store, on disk first.
    const answer = Buffer.from(await upstream.body.arrayBuffer());
    if (store !== undefined) await store(answer);
    return new Response(answer, { status: upstream.statusCode, headers });
  });
  return app;
}

function argument(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = argument(process.argv, '--upstream') ?? 'http://127.0.0.1:8081';
  const port = Number(argument(process.argv, '--port') ?? '0');
  const storeFile = argument(process.argv, '--store');
  const app = createBarePassthrough(upstream, storeFile);
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`bare pass-through${storeFile === undefined ? '' : ` storing in ${storeFile}`} listening on 127.0.0.1:${info.port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
