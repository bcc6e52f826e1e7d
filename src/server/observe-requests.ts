// Middleware factory: gives each request its id (the client's X-Request-Id or a new one) and child logger, echoes the id, and at its end writes the access log line and the request's metrics.
import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import type { GatewayMetrics, TokenUsage } from './gateway-metrics.js';

/** What the pipeline learns about a request as it goes (filled in by planResponse and by the response's end). */
export interface RequestFacts {
  model?: string;
  provider?: string;
  usage?: TokenUsage;
}

/** A request's own id and logger (every line it writes carries the id), and what is learnt of it. */
export interface RequestContext {
  requestId: string;
  logger: Logger;
  facts: RequestFacts;
}

export interface RequestVariables {
  request: RequestContext;
}

/** A client's id is kept when it is 1–128 printable ASCII characters (no spaces): it goes into headers and log lines as is. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

/** The client's id when it is usable, else a new one. */
export function requestIdOf(header: string | undefined): string {
  return header !== undefined && CLIENT_ID.test(header) ? header : `req_${nanoid(24)}`;
}

/** Routes whose requests are machines polling (probes, scrapes): their access lines are debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function observeRequests(options: { logger: Logger; metrics?: GatewayMetrics; accessLog: boolean }): MiddlewareHandler<{ Bindings: HttpBindings; Variables: RequestVariables & { owner?: string } }> {
  const { logger, metrics, accessLog } = options;
  return async function observeRequest(c, next) {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header(REQUEST_ID_HEADER));
    const context: RequestContext = { requestId, logger: logger.child({ request_id: requestId }), facts: {} };
    c.set('request', context);
    const res = c.env.outgoing;
    // On the Node response itself, before any writeHead: a JSON answer and an SSE stream both carry it.
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const timing = watchHeaders(res, started, metrics);
    await next();
    const route = routeOf(routePath(c, -1));
    const finish = () => {
      timing.streamClosed?.();
      const seconds = (performance.now() - started) / 1000;
      const { model = '', provider = '', usage } = context.facts;
      const key = c.get('owner') ?? '';
      // A socket cut before the answer was sent: 499, as nginx logs it.
      const status = res.headersSent ? res.statusCode : 499;
      metrics?.request({ route, method: c.req.method, status, model, provider, key }, seconds, timing.firstByte);
      if (!accessLog) return;
      const line = { method: c.req.method, path: c.req.path, route, status, key, model, provider, duration_ms: Math.round(seconds * 1000), tokens: usage };
      if (QUIET_ROUTES.has(route)) context.logger.debug(line, 'request');
      else context.logger.info(line, 'request');
    };
    if (res.writableFinished || res.destroyed) finish();
    else res.once('close', finish);
  };
}

/**
 * Notes when the answer's headers go out (its time to first byte) and whether it is a stream (an open
 * stream is counted until the socket closes): one wrapper per request around writeHead.
 */
function watchHeaders(res: ServerResponse, started: number, metrics: GatewayMetrics | undefined): { firstByte?: number; streamClosed?: () => void } {
  const timing: { firstByte?: number; streamClosed?: () => void } = {};
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadTimed(this: ServerResponse, ...args: unknown[]) {
    timing.firstByte ??= (performance.now() - started) / 1000;
    const headers = args.find((arg): arg is Record<string, unknown> => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
    if (metrics && String(headers?.['content-type'] ?? '').startsWith('text/event-stream')) timing.streamClosed ??= metrics.streamOpened();
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  return timing;
}

/** The route pattern that answered (`/v1/responses/:id`); a request no route matched is `unmatched` (bounded label values). */
function routeOf(path: string): string {
  return path === '' || path.endsWith('*') ? 'unmatched' : path;
}
