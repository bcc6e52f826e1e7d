// GET /metrics: the Prometheus text page; open, or behind `Authorization: Bearer <metrics.key>` when that is set.
import { Hono } from 'hono';
import type { GatewayMetrics } from '../server/gateway-metrics.js';
import { authenticate } from '../server/authenticate.js';

export function metricsRoutes(metrics: GatewayMetrics, key: string | undefined): Hono {
  const app = new Hono();
  if (key) app.use('/metrics', authenticate([{ name: 'metrics', key }]));
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  return app;
}
