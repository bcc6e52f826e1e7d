import { describe, expect, it } from 'vitest';
import { GatewayError, invalidRequest, upstreamTimeout } from './gateway-error.js';

describe('GatewayError', () => {
  it('is retryable by default for a 429 or a 5xx, not for a client\'s own 4xx', () => {
    const make = (status: number) => new GatewayError({ status, message: 'm', type: 'server_error' }).retryable;
    expect([400, 404, 413, 429, 500, 502, 503, 504].map(make)).toEqual([false, false, false, true, true, true, true, true]);
    expect(new GatewayError({ status: 502, message: 'm', type: 'upstream_error', retryable: false }).retryable).toBe(false);
  });

  it('keeps its cause for the log and out of the client\'s body', () => {
    const cause = new Error('connect ETIMEDOUT 10.0.0.7:443');
    const error = new GatewayError({ status: 502, message: 'Could not reach provider "x".', type: 'upstream_error', code: 'upstream_unreachable', cause });
    expect(error.cause).toBe(cause);
    expect(error.toBody()).toEqual({ error: { message: 'Could not reach provider "x".', type: 'upstream_error', param: null, code: 'upstream_unreachable' } });
  });

  it('fills param and code with null when not given', () => {
    expect(invalidRequest('input', 'bad').toBody()).toEqual({ error: { message: 'bad', type: 'invalid_request_error', param: 'input', code: null } });
  });

  it('upstreamTimeout names the provider, the timeout and its value, as a retryable 504', () => {
    const error = upstreamTimeout('slow', 'idle_ms', 300);
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout', type: 'upstream_error', retryable: true });
    expect(error.message).toBe('Provider "slow" sent no event within 300 ms (timeouts.idle_ms).');
  });
});
