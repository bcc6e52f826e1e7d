// Builds the HTTP app from its dependencies (config, store, providers): no globals, so tests build their own.
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { GatewayError } from '../errors/gateway-error.js';
import { maskFor } from '../errors/mask-secrets.js';
import type { PipelineDeps } from '../pipeline/run-response.js';
import { conversationsRoutes } from '../routes/conversations-routes.js';
import { healthRoutes } from '../routes/health-routes.js';
import { metricsRoutes } from '../routes/metrics-routes.js';
import { modelsRoutes } from '../routes/models-routes.js';
import { responsesRoutes } from '../routes/responses-routes.js';
import type { RunRegistry } from '../runs/run-registry.js';
import { authenticate, type AuthVariables } from './authenticate.js';
import { guardBrowserRequests } from './guard-browser-requests.js';
import { observeRequests, type RequestVariables } from './observe-requests.js';

export type AppEnv = { Bindings: HttpBindings; Variables: AuthVariables & RequestVariables };

export function createApp(deps: PipelineDeps, runs: RunRegistry): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const { server } = deps.config;
  // First: every answer, a refusal included, carries the request's id and gets its access log line.
  app.use(observeRequests({ logger: deps.logger, metrics: deps.metrics, accessLog: deps.config.logging.access_log }));
  // Before authentication, and with keys too: a page in the operator's browser must not reach the gateway.
  app.use(guardBrowserRequests({ listenHost: server.host, allowedHosts: server.allowed_hosts, corsOrigins: server.cors_origins }));
  // At the root and without a gateway key: probes and scrapers hold none (the metrics page may ask for its own).
  app.route('/', healthRoutes(deps.store, () => runs.shuttingDown));
  if (deps.metrics) app.route('/', metricsRoutes(deps.metrics, deps.config.metrics.key));
  app.use('/v1/*', authenticate(deps.config.keys));
  app.route('/v1/responses', responsesRoutes(deps, runs));
  app.route('/v1/models', modelsRoutes(deps.config));
  app.route('/v1/conversations', conversationsRoutes(deps));

  app.notFound((c) => c.json(new GatewayError({ status: 404, message: `Unknown endpoint: ${c.req.method} ${c.req.path}`, type: 'invalid_request_error', code: 'unknown_url' }).toBody(), 404));
  const mask = maskFor(deps.config);
  app.onError((err, c) => {
    const { logger, facts } = c.get('request');
    if (err instanceof GatewayError) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      // Every failure is logged once: the gateway's own (5xx) and every refusal that came from upstream (it
      // carries a detail), a 429 for quota included; a client's own bad request is only answered. The log line
      // is masked as it is written (create-logger.ts); the client's message here.
      if (err.status >= 500 || err.detail !== undefined) {
        const fields = { status: err.status, code: err.code, err: err.message, detail: err.detail, cause: causeOf(err), response_id: err.responseId };
        logger.warn(fields, err.status >= 500 ? 'request failed' : 'upstream refused the request');
      }
      if (err.detail !== undefined && facts.provider) deps.metrics?.upstreamError(facts.provider, err.code ?? String(err.status));
      return c.json(err.toBody(mask), err.status as 400);
    }
    logger.error({ err }, 'unexpected error');
    return c.json(new GatewayError({ status: 500, message: 'The gateway hit an unexpected error; it is in the gateway log.', type: 'server_error', code: 'server_error' }).toBody(), 500);
  });
  return app;
}

/** The error underneath a GatewayError, for the log line (never for the client). */
function causeOf(err: GatewayError): string | undefined {
  const { cause } = err;
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${(cause as { code?: unknown }).code ?? cause.name}: ${cause.message}` : String(cause);
}
