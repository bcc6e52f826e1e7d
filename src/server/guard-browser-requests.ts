// Middleware factory: refuses requests a web page could make through the operator's browser (a foreign Origin, a rebound Host) and answers CORS for allowed origins.
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { GatewayError } from '../errors/gateway-error.js';

/** The names a loopback listener is reached by; a page on another name that resolves here is DNS rebinding. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '']);

export interface BrowserGuardOptions {
  /** The address the gateway listens on: a specific one is also a name it is reached by. */
  listenHost: string;
  allowedHosts: string[];
  corsOrigins: string[];
}

/** `Host: name:port` → `name`, lower-cased; an IPv6 literal keeps its brackets. */
export function hostName(host: string): string {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}

const refused = (message: string, code: string) => new GatewayError({ status: 403, message, type: 'invalid_request_error', code });

export function guardBrowserRequests(options: BrowserGuardOptions): MiddlewareHandler<{ Bindings: Partial<HttpBindings> }> {
  const anyHost = options.allowedHosts.includes('*');
  const hosts = new Set([...LOOPBACK_HOSTS, ...options.allowedHosts.map(hostName)]);
  const listen = options.listenHost.toLowerCase();
  if (!WILDCARD_ADDRESSES.has(listen)) hosts.add(listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen);
  // An origin is scheme://host[:port] without a path; a trailing slash in the config is forgiven.
  const origins = new Set(options.corsOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()));

  // Clients send the same Host on every request: the last one served is remembered, so the usual
  // request costs one string compare and allocates nothing.
  let servedHost: string | null = null;
  const serves = (host: string | undefined) => {
    if (host === servedHost || anyHost) return true;
    if (host === undefined || !hosts.has(hostName(host))) return false;
    servedHost = host;
    return true;
  };

  return async function guardBrowserRequest(c, next) {
    const host = c.req.header('host');
    if (!serves(host)) {
      throw refused(
        `This gateway does not serve the host '${host ?? ''}'. Add it to server.allowed_hosts if it is yours.`,
        'host_not_allowed',
      );
    }
    const origin = c.req.header('origin');
    // SDKs and curl send no Origin: only browsers do, and only a listed page may use the operator's keys.
    if (origin === undefined) return next();
    if (!origins.has(origin.toLowerCase())) {
      throw refused(`Requests from the web origin '${origin}' are not allowed. Add it to server.cors_origins if it is yours.`, 'origin_not_allowed');
    }
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': c.req.header('access-control-request-headers') ?? 'authorization, content-type',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
    }
    // On Node the headers go on the socket's response before any handler writes it (a stream writes its own
    // head); elsewhere (app.request in a test) on the Response.
    const outgoing = c.env?.outgoing;
    if (outgoing) {
      outgoing.setHeader('access-control-allow-origin', origin);
      outgoing.setHeader('vary', 'Origin');
      return next();
    }
    await next();
    c.res.headers.set('access-control-allow-origin', origin);
    c.res.headers.append('vary', 'Origin');
  };
}
