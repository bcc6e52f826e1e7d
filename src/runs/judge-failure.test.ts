import { describe, expect, it } from 'vitest';
import { GatewayError, invalidRequest, upstreamTimeout } from '../errors/gateway-error.js';
import { judgeFailure } from './judge-failure.js';

const status = (code: number, headers: Record<string, string> = {}, retryable?: boolean) =>
  new GatewayError({ status: code, message: 'x', type: 'upstream_error', headers, retryable });

describe('judgeFailure', () => {
  it('retries what may pass: a broken connection, a timeout, 408, 409, 429, 5xx', () => {
    expect(judgeFailure(new Error('other side closed'))).toBe('retry');
    expect(judgeFailure(upstreamTimeout('p', 'first_byte_ms', 10))).toBe('retry');
    for (const code of [408, 409, 429, 500, 502, 503]) expect(judgeFailure(status(code))).toBe('retry');
  });

  it('moves on without retrying when the target itself cannot serve, or upstream says not to retry', () => {
    expect(judgeFailure(status(502, {}, false))).toBe('next');
    expect(judgeFailure(status(503, { 'x-should-retry': 'false' }))).toBe('next');
  });

  it("never retries a 4xx that is the request's own fault", () => {
    expect(judgeFailure(invalidRequest('input', 'bad'))).toBe('final');
    for (const code of [404, 413, 422]) expect(judgeFailure(status(code))).toBe('final');
  });
});
