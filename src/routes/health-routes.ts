// GET /healthz (the process answers) and GET /readyz (the store answers and the gateway is not shutting down): for probes, without a key.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ResponseStore } from '../store/response-store.js';

export function healthRoutes(store: ResponseStore, shuttingDown: () => boolean, logger: Logger): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (shuttingDown()) return c.json({ status: 'shutting_down' }, 503);
    try {
      await store.ping();
    } catch (err) {
      logger.warn({ err }, 'readyz: the store did not answer');
      return c.json({ status: 'store_unreachable' }, 503);
    }
    return c.json({ status: 'ready' });
  });
  return app;
}
