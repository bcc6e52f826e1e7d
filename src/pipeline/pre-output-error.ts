// A response that failed before its first output, as the HTTP error a client would get from OpenAI.
import { GatewayError } from '../errors/gateway-error.js';
import { statusForUpstreamCode } from '../errors/status-for-upstream-code.js';

/** The status follows the upstream's code (statusForUpstreamCode), and with it whether the error is `retryable`. */
export function preOutputError(failure: { code: string; message: string } | null): GatewayError {
  const code = failure?.code ?? 'server_error';
  const message = failure?.message ?? 'The response failed.';
  const status = statusForUpstreamCode(code);
  const type = status === 429 ? code : status < 500 ? 'invalid_request_error' : 'server_error';
  return new GatewayError({ status, message, type, code }).withDetail(
    'the upstream run failed before its first output',
  );
}

/** Upstream ended its stream before any output: as the failure the sequencer's end would be. */
export const upstreamEndedEarly = () => preOutputError({ code: 'server_error', message: 'The upstream closed the stream before the response completed.' });
