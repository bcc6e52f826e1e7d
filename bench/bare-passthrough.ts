// The floor: a bare hono + @hono/node-server + undici pass-through that forwards every POST /v1/* to the mock and pipes the answer back, nothing else.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';

export function createBarePassthrough(upstreamOrigin: string): Hono {
  const pool = new Pool(upstreamOrigin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
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
    return new Response(Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>, {
      status: upstream.statusCode,
      headers: { 'content-type': typeof contentType === 'string' ? contentType : 'application/json' },
    });
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
  const app = createBarePassthrough(upstream);
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`bare pass-through listening on 127.0.0.1:${info.port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
