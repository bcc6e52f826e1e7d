import { describe, expect, it } from 'vitest';
import { statusForUpstreamCode, statusForUpstreamStatus } from './status-for-upstream-code.js';

describe('statusForUpstreamStatus', () => {
  it.each([400, 404, 409, 413, 422, 429, 500, 503, 599])('passes %s on: upstream judged the request, or failed itself', (status) => {
    expect(statusForUpstreamStatus(status)).toEqual({ kind: 'passed-on', status });
  });
  it.each([401, 403])('turns %s into a 502: upstream refused the gateway\'s own credentials', (status) => {
    expect(statusForUpstreamStatus(status)).toEqual({ kind: 'credentials-refused', status: 502 });
  });
  it.each([200, 204, 302, 402, 418, 600])('turns %s into a 502: nothing a client could act on', (status) => {
    expect(statusForUpstreamStatus(status)).toEqual({ kind: 'unusable', status: 502 });
  });
});

describe('statusForUpstreamCode', () => {
  it.each([
    ['429', 429],
    ['400', 400],
    ['503', 503],
    ['401', 502],
    ['402', 502],
    ['insufficient_quota', 429],
    ['rate_limit_exceeded', 429],
    ['upstream_timeout', 504],
    ['invalid_prompt', 400],
    ['invalid_image_url', 400],
    ['image_parse_error', 400],
    ['context_length_exceeded', 400],
    ['unsupported_value', 400],
    ['server_error', 500],
    ['something_new', 500],
  ])('%s is HTTP %s', (code, status) => {
    expect(statusForUpstreamCode(code)).toBe(status);
  });
});
