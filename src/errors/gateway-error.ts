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

export class GatewayError extends Error {
  /** What the operator's log shows beside the message: the cause a client must not see (an internal URL, upstream's own text). */
  detail: string | undefined;
  /** The response whose run failed, for the log line. */
  responseId: string | undefined;

  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Headers to pass on (Retry-After from an upstream, for instance). */
    readonly headers: Record<string, string> = {},
    /** The upstream's own error body, passed on as-is when the error came from upstream. */
    readonly upstreamBody?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
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
  new GatewayError(400, message, 'invalid_request_error', code, param);

export const notFound = (message: string, code: string | null = null, param: string | null = null) =>
  new GatewayError(404, message, 'invalid_request_error', code, param);

export const unauthorized = (message: string) =>
  new GatewayError(401, message, 'invalid_request_error', 'invalid_api_key');
