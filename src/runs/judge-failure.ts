// What a failure before the first output allows: another try on the same target, only the next target, or nothing (the request's own fault).
import { GatewayError } from '../errors/gateway-error.js';

/**
 * - `retry`: may pass on the same target (a broken connection, a timeout, 408, 409, 429, 5xx).
 * - `next`: this target will not serve it, another may (its credentials refused, its key unset, `x-should-retry: false`).
 * - `final`: the request's own fault (400, 404, 413, 422, …): every target would refuse it the same way.
 */
export type FailureVerdict = 'retry' | 'next' | 'final';

export function judgeFailure(err: unknown): FailureVerdict {
  // Anything that is not a typed error came from the connection (undici's socket errors).
  if (!(err instanceof GatewayError)) return 'retry';
  if (err.retryable || err.status === 408 || err.status === 409) return err.headers['x-should-retry'] === 'false' ? 'next' : 'retry';
  return err.status >= 500 ? 'next' : 'final';
}
