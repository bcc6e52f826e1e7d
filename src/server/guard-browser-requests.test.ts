// guardBrowserRequests on its own: which Host and Origin values pass, through a bare hono app.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.js';
import { guardBrowserRequests, hostName, type BrowserGuardOptions } from './guard-browser-requests.js';

function appWith(options: Partial<BrowserGuardOptions>) {
  const app = new Hono();
  app.use(guardBrowserRequests({ listenHost: '127.0.0.1', allowedHosts: [], corsOrigins: [], ...options }));
  app.get('/', (c) => c.text('ok'));
  app.onError((err, c) => c.json((err as GatewayError).toBody(), (err as GatewayError).status as 403));
  return app;
}

const get = (app: Hono, headers: Record<string, string>) => app.request('/', { headers });

describe('hostName', () => {
  it.each([
    ['localhost:4000', 'localhost'],
    ['LocalHost', 'localhost'],
    ['[::1]:4000', '[::1]'],
    ['[::1]', '[::1]'],
    ['example.com', 'example.com'],
  ])('%s → %s', (host, name) => expect(hostName(host)).toBe(name));
});

describe('guardBrowserRequests', () => {
  it('serves the loopback names and the address it listens on, nothing else', async () => {
    const app = appWith({ listenHost: '10.0.0.5' });
    for (const host of ['localhost:1', '127.0.0.1', '[::1]:1', '10.0.0.5:4000']) expect((await get(app, { host })).status).toBe(200);
    for (const host of ['evil.example', '10.0.0.6', 'localhost.evil.example']) expect((await get(app, { host })).status).toBe(403);
  });

  it('remembers a served Host without serving an empty one', async () => {
    const app = appWith({});
    expect((await get(app, { host: '' })).status).toBe(403);
    expect((await get(app, { host: 'localhost:4000' })).status).toBe(200);
    expect((await get(app, { host: 'localhost:4000' })).status).toBe(200);
    expect((await get(app, { host: 'evil.example:4000' })).status).toBe(403);
    expect((await get(app, { host: '' })).status).toBe(403);
  });

  it('does not serve the wildcard address as a name', async () => {
    expect((await get(appWith({ listenHost: '0.0.0.0' }), { host: '0.0.0.0' })).status).toBe(403);
  });

  it('`*` in allowed_hosts serves any Host (a proxy in front checks it)', async () => {
    expect((await get(appWith({ allowedHosts: ['*'] }), { host: 'anything.example' })).status).toBe(200);
  });

  it('refuses an Origin unless listed, and `null` (a sandboxed page) too', async () => {
    const app = appWith({ corsOrigins: ['https://app.example'] });
    expect((await get(app, { host: 'localhost', origin: 'https://app.example' })).headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await get(app, { host: 'localhost', origin: 'https://app.example.evil' })).status).toBe(403);
    expect((await get(app, { host: 'localhost', origin: 'null' })).status).toBe(403);
    expect((await get(app, { host: 'localhost', origin: 'http://app.example' })).status).toBe(403);
  });
});
