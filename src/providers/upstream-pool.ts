// One keep-alive undici pool per provider origin, and the POST that every provider adapter sends through it.
import { Pool, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { statusForUpstreamStatus } from '../errors/status-for-upstream-code.js';
import type { LimitsConfig, ProviderConfig, UpstreamTimeouts } from '../config/config-schema.js';
import { unresolvedVariables } from '../config/expand-env.js';
import { createSecretMask, providerSecrets, type SecretMask } from '../errors/mask-secrets.js';
import type { UpstreamRun } from './provider.js';
import { capturedBody, newCapture, readingLimits, type UpstreamReading } from './read-upstream-body.js';
import { serializeUpstreamBody } from './serialize-upstream-body.js';
import type { UpstreamAbort } from './upstream-abort.js';
import { UpstreamDeadline } from './upstream-deadline.js';

export interface UpstreamTarget {
  /** The provider's name: what clients are told, never its URL. */
  name: string;
  pool: Pool;
  /** base_url's path, e.g. `/v1`; endpoint paths are appended to it. */
  basePath: string;
  /** base_url without credentials, for the stored exchange and the log. */
  url: string;
  /** Hides this provider's secrets in what its upstream says. */
  mask: SecretMask;
  limits: Pick<UpstreamReading, 'maxEventBytes' | 'maxResponseBytes'>;
  timeouts: UpstreamTimeouts;
  /** The provider's headers and its Authorization, built once; throws a clear error while the API key waits for a variable. */
  headers: () => Record<string, string>;
}

export function createUpstreamTarget(providerName: string, config: ProviderConfig, limits: LimitsConfig): UpstreamTarget {
  const base = new URL(config.base_url);
  base.username = '';
  base.password = '';
  const pool = new Pool(base.origin, {
    connections: config.max_connections,
    keepAliveTimeout: 30_000,
    connect: { timeout: config.timeouts.connect_ms },
    headersTimeout: config.timeouts.first_byte_ms,
    // Per chunk: a backstop for a JSON body; a stream's idle_ms is measured between events (upstream-deadline.ts).
    bodyTimeout: config.timeouts.idle_ms,
  });
  const missing = unresolvedVariables(config.api_key);
  const headers = { ...config.headers, ...(config.api_key === '' ? {} : { authorization: `Bearer ${config.api_key}` }) };
  return {
    name: providerName,
    pool,
    basePath: base.pathname.replace(/\/$/, ''),
    url: base.href.replace(/\/$/, ''),
    mask: createSecretMask(providerSecrets(config)),
    limits: readingLimits(limits),
    timeouts: config.timeouts,
    headers:
      missing.length === 0
        ? () => headers
        : () => {
            throw new GatewayError({
              status: 500,
              message: `Provider "${providerName}" has no API key: set the environment variable ${missing.join(', ')} and restart the gateway.`,
              type: 'server_error',
              code: 'provider_not_configured',
              headers: { 'x-should-retry': 'false' },
              retryable: false,
            });
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
  body: string | Buffer,
  deadline: UpstreamDeadline,
  caller: UpstreamAbort,
  accept = 'text/event-stream',
): Promise<UpstreamResponse> {
  try {
    const res = await target.pool.request({
      method: 'POST',
      path: target.basePath + path,
      headers: { 'content-type': 'application/json', accept, ...headers },
      body,
      signal: deadline.signal,
    });
    deadline.progressed();
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    deadline.finish();
    if (caller.aborted) throw err;
    const failure = deadline.failure(err);
    if (failure instanceof GatewayError) failure.withDetail(`${target.url}${path}: ${failure.detail ?? ''}`);
    throw failure;
  }
}

/** Upstream's error text is read for the message and the log, never more than this. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * An upstream's non-2xx answer. A refusal of the request (400, 404, 429, …) or an upstream failure (5xx)
 * is passed on with its status, message and Retry-After. A refusal of the gateway's own credentials
 * (401/403) and anything a client could not act on (a redirect, 418, …) become a 502 naming the provider,
 * without upstream's text, which may repeat the key: that text goes to the log, masked.
 */
export async function upstreamError(target: UpstreamTarget, res: UpstreamResponse): Promise<GatewayError> {
  const text = target.mask(await readErrorText(res));
  const verdict = statusForUpstreamStatus(res.status);
  if (verdict.kind === 'credentials-refused') {
    return new GatewayError({
      status: verdict.status,
      message: `Provider "${target.name}" refused the gateway's credentials (HTTP ${res.status}); the gateway's operator must check its API key.`,
      type: 'upstream_error',
      code: 'upstream_auth_failed',
      // The same key will be refused again until the operator changes it.
      retryable: false,
    }).withDetail(text);
  }
  if (verdict.kind === 'unusable') {
    const location = res.headers.location;
    return new GatewayError({
      status: verdict.status,
      message: `Provider "${target.name}" answered HTTP ${res.status}, which is not an answer the gateway can use.`,
      type: 'upstream_error',
      code: 'upstream_error',
    }).withDetail(typeof location === 'string' ? target.mask(`redirected to ${location} ${text}`) : text);
  }
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
        : text.slice(0, 500) || `The upstream provider "${target.name}" answered HTTP ${res.status}.`;
  const headers: Record<string, string> = {};
  for (const name of ['retry-after', 'retry-after-ms', 'x-should-retry']) {
    const value = res.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const code = errorObject?.code;
  return new GatewayError({
    status: verdict.status,
    message,
    type: typeof errorObject?.type === 'string' ? errorObject.type : res.status >= 500 ? 'upstream_error' : 'invalid_request_error',
    code: code === undefined || code === null ? null : String(code),
    param: typeof errorObject?.param === 'string' ? errorObject.param : null,
    headers,
    upstreamBody: parsed,
  }).withDetail(`provider "${target.name}" answered HTTP ${res.status}`);
}

/** At most ERROR_BODY_BYTES of an error body; a body that breaks off leaves what came. */
async function readErrorText(res: UpstreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_BYTES) break;
    }
  } catch {
    // What came before the break is all there is.
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8');
}

export interface OpenedUpstream {
  res: UpstreamResponse;
  /** How to read its body: limits, and where the raw body is kept while it is read, when the exchange is kept. */
  reading: UpstreamReading;
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
  options: {
    signal: UpstreamAbort;
    captureExchange: boolean;
    /** Sent as X-Request-Id, so that the provider's logs (and a support ticket) name the gateway's request. */
    requestId?: string;
    accept?: string;
    /** The content types the adapter can read; anything else (a 204, an HTML page) is a 502. */
    contentTypes?: string[];
  },
  /** What the stored exchange shows instead of `body` (the body without its resolved history). */
  loggedBody?: () => unknown,
): Promise<OpenedUpstream> {
  const sent = await serializeUpstreamBody(body);
  const headers = options.requestId === undefined ? target.headers() : { ...target.headers(), 'x-request-id': options.requestId };
  const deadline = new UpstreamDeadline(providerName, target.timeouts, options.signal);
  const res = await postJson(target, path, headers, sent, deadline, options.signal, options.accept);
  const requestBody = options.captureExchange && loggedBody ? JSON.stringify(loggedBody()) : sent;
  if (res.status < 200 || res.status > 299) {
    try {
      throw await upstreamError(target, res);
    } finally {
      deadline.finish();
    }
  }
  const contentType = String(res.headers['content-type'] ?? '');
  // Any other 2xx (204 No Content, 202 Accepted) carries no answer.
  if (res.status !== 200 || !(options.contentTypes ?? ['text/event-stream', 'application/json']).some((type) => contentType.includes(type))) {
    deadline.finish();
    res.body.dump().catch(() => undefined);
    throw new GatewayError({
      status: 502,
      message: `Provider "${providerName}" answered HTTP ${res.status}${contentType ? ` with '${contentType.split(';')[0]}'` : ''}, not a response the gateway can read.`,
      type: 'upstream_error',
      code: 'upstream_error',
    });
  }
  const capture = options.captureExchange ? newCapture() : undefined;
  return {
    res,
    reading: { provider: providerName, capture, mask: target.mask, ...target.limits, deadline },
    exchange: { url: `${target.url}${path}`, status: res.status, requestBody, responseBody: () => (capture ? capturedBody(capture) : '') },
  };
}
