// GET /healthz (the process answers) and GET /readyz (the store answers and the gateway is not shutting down): for probes, without a key.
import { Hono } from 'hono';
import type { RequestVariables } from '../server/observe-requests.js';
import type { ResponseStore } from '../store/response-store.js';

export function healthRoutes(store: ResponseStore, shuttingDown: () => boolean): Hono<{ Variables: RequestVariables }> {
  const app = new Hono<{ Variables: RequestVariables }>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (shuttingDown()) return c.json({ status: 'shutting_down' }, 503);
    try {
      await store.ping();
    } catch (err) {
      c.get('request').logger.warn({ err }, 'readyz: the store did not answer');
      return c.json({ status: 'store_unreachable' }, 503);
    }
    return c.json({ status: 'ready' });
  });
  return app;
}
