// Errors as typed values, turned into OpenAI's `{error:{message,type,param,code}}` body in one place.

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error'
  | (string & {});

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export interface GatewayErrorFields {
  status: number;
  /** What the client reads (masked on the way out). */
  message: string;
  type: ErrorType;
  code?: string | null;
  param?: string | null;
  /** Headers to pass on (Retry-After from an upstream, for instance). */
  headers?: Record<string, string>;
  /** The upstream's own error body, passed on as-is when the error came from upstream. */
  upstreamBody?: unknown;
  /** What went wrong underneath (undici's error, for instance): logged, never shown to a client. */
  cause?: unknown;
  /** Whether the same request may succeed later; by default a 429 or a 5xx may, a client's own 4xx may not. */
  retryable?: boolean;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly upstreamBody: unknown;
  /** Read by routing and fallback: a timeout, a 429, a 5xx or a broken connection may pass on retry; a bad request will not. */
  readonly retryable: boolean;
  /** What the operator's log shows beside the message: the cause a client must not see (an internal URL, upstream's own text). */
  detail: string | undefined;
  /** The response whose run failed, for the log line. */
  responseId: string | undefined;

  constructor(fields: GatewayErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'GatewayError';
    this.status = fields.status;
    this.type = fields.type;
    this.code = fields.code ?? null;
    this.param = fields.param ?? null;
    this.headers = fields.headers ?? {};
    this.upstreamBody = fields.upstreamBody;
    this.retryable = fields.retryable ?? (fields.status === 429 || fields.status >= 500);
  }

  withDetail(detail: string): this {
    this.detail = detail;
    return this;
  }

  /** The client's body; `mask` hides configured secrets in the message (see mask-secrets.ts). */
  toBody(mask: (text: string) => string = (text) => text): ErrorBody {
    return { error: { message: mask(this.message), type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (param: string | null, message: string, code: string | null = null) =>
  new GatewayError({ status: 400, message, type: 'invalid_request_error', code, param });

export const notFound = (message: string, code: string | null = null, param: string | null = null) =>
  new GatewayError({ status: 404, message, type: 'invalid_request_error', code, param });

export const unauthorized = (message: string) => new GatewayError({ status: 401, message, type: 'invalid_request_error', code: 'invalid_api_key' });

/** Which of a provider's `timeouts` ran out. */
export type UpstreamTimeoutKind = 'connect_ms' | 'first_byte_ms' | 'idle_ms' | 'total_ms';

const TIMEOUT_WORDS: Record<UpstreamTimeoutKind, string> = {
  connect_ms: 'could not be connected to',
  first_byte_ms: 'sent no response',
  idle_ms: 'sent no event',
  total_ms: 'did not finish its answer',
};

/** A provider that ran past one of its timeouts: a 504 the client may retry, naming the provider, the timeout and its value. */
export const upstreamTimeout = (provider: string, kind: UpstreamTimeoutKind, ms: number, cause?: unknown) =>
  new GatewayError({
    status: 504,
    message: `Provider "${provider}" ${TIMEOUT_WORDS[kind]} within ${ms} ms (timeouts.${kind}).`,
    type: 'upstream_error',
    code: 'upstream_timeout',
    cause,
    retryable: true,
  });
