// One keep-alive undici pool per provider origin, and the POST that every provider adapter sends through it.
import { Pool, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderConfig } from '../config/config-schema.js';
import { unresolvedVariables } from '../config/expand-env.js';
import type { UpstreamRun } from './provider.js';
import type { SseCapture } from './read-sse.js';
import type { UpstreamAbort } from './upstream-abort.js';

export interface UpstreamTarget {
  pool: Pool;
  /** base_url's path, e.g. `/v1`; endpoint paths are appended to it. */
  basePath: string;
  url: string;
  /** The provider's headers and its Authorization, built once; throws a clear error while the API key waits for a variable. */
  headers: () => Record<string, string>;
}

export function createUpstreamTarget(providerName: string, config: ProviderConfig): UpstreamTarget {
  const base = new URL(config.base_url);
  const pool = new Pool(base.origin, {
    connections: config.max_connections,
    keepAliveTimeout: 30_000,
    headersTimeout: config.timeout_ms,
    bodyTimeout: config.timeout_ms,
  });
  const missing = unresolvedVariables(config.api_key);
  const headers = { ...config.headers, ...(config.api_key === '' ? {} : { authorization: `Bearer ${config.api_key}` }) };
  return {
    pool,
    basePath: base.pathname.replace(/\/$/, ''),
    url: config.base_url.replace(/\/$/, ''),
    headers:
      missing.length === 0
        ? () => headers
        : () => {
            throw new GatewayError(
              500,
              `Provider "${providerName}" has no API key: set the environment variable ${missing.join(', ')} and restart the gateway.`,
              'server_error',
              'provider_not_configured',
              null,
              { 'x-should-retry': 'false' },
            );
          },
  };
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export async function postJson(
  target: UpstreamTarget,
  path: string,
  headers: Record<string, string>,
  body: string,
  signal: UpstreamAbort,
  accept = 'text/event-stream',
): Promise<UpstreamResponse> {
  try {
    const res = await target.pool.request({
      method: 'POST',
      path: target.basePath + path,
      headers: { 'content-type': 'application/json', accept, ...headers },
      body,
      signal,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    if (signal.aborted) throw err;
    throw new GatewayError(502, `Could not reach the upstream at ${target.url}: ${(err as Error).message}`, 'upstream_error', 'upstream_unreachable');
  }
}

/** An upstream's non-2xx answer, passed on with its status, its message and its Retry-After. */
export async function upstreamError(providerName: string, res: UpstreamResponse): Promise<GatewayError> {
  const text = await res.body.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
  const errorObject = typeof error === 'object' && error !== null ? error : undefined;
  const message =
    typeof errorObject?.message === 'string'
      ? errorObject.message
      : typeof error === 'string'
        ? error
        : text.slice(0, 500) || `The upstream provider "${providerName}" answered HTTP ${res.status}.`;
  const headers: Record<string, string> = {};
  for (const name of ['retry-after', 'retry-after-ms', 'x-should-retry']) {
    const value = res.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const code = errorObject?.code;
  return new GatewayError(
    res.status,
    message,
    typeof errorObject?.type === 'string' ? errorObject.type : res.status >= 500 ? 'upstream_error' : 'invalid_request_error',
    code === undefined || code === null ? null : String(code),
    typeof errorObject?.param === 'string' ? errorObject.param : null,
    headers,
    parsed,
  );
}

export interface OpenedUpstream {
  res: UpstreamResponse;
  /** Where the raw body is kept while it is read, when the exchange is kept. */
  capture: SseCapture | undefined;
  exchange: UpstreamRun['exchange'];
}

/** The key that stands in a stored request body for the items resolved from previous_response_id. */
export const HISTORY_MARKER = 'junction_history_items';

/**
 * The part every adapter shares: authenticate, POST the body, refuse a non-2xx with upstream's own status
 * and message, and record the exchange for the store.
 */
export async function openUpstream(
  providerName: string,
  target: UpstreamTarget,
  path: string,
  body: unknown,
  options: { signal: UpstreamAbort; captureExchange: boolean; accept?: string },
  /** What the stored exchange shows instead of `body` (the body without its resolved history). */
  loggedBody?: () => unknown,
): Promise<OpenedUpstream> {
  const sent = JSON.stringify(body);
  const res = await postJson(target, path, target.headers(), sent, options.signal, options.accept);
  const requestBody = options.captureExchange && loggedBody ? JSON.stringify(loggedBody()) : sent;
  if (res.status < 200 || res.status > 299) throw await upstreamError(providerName, res);
  const capture: SseCapture | undefined = options.captureExchange ? { raw: [] } : undefined;
  return {
    res,
    capture,
    exchange: { url: `${target.url}${path}`, status: res.status, requestBody, responseBody: () => (capture ? Buffer.concat(capture.raw) : '') },
  };
}
