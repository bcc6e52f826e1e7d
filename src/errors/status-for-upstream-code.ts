// The one mapping from what an upstream said went wrong (an HTTP status, or an error code inside a stream) to the HTTP status a client gets.

/** Upstream statuses passed on to the client as they are: upstream's own judgement of the request, or of its own state. */
const PASSED_ON = new Set([400, 404, 409, 413, 422, 429]);

/**
 * What becomes of an upstream's HTTP status: passed on with upstream's message (a refusal of the request,
 * or upstream's own failure, a 5xx), or a 502, when upstream refused the gateway's own credentials (a
 * client cannot act on that, and upstream's text may repeat the key) or answered something a client could
 * not use (a redirect, 418, …).
 */
export type UpstreamStatusVerdict =
  | { kind: 'passed-on'; status: number }
  | { kind: 'credentials-refused'; status: 502 }
  | { kind: 'unusable'; status: 502 };

export function statusForUpstreamStatus(status: number): UpstreamStatusVerdict {
  if (status === 401 || status === 403) return { kind: 'credentials-refused', status: 502 };
  if (PASSED_ON.has(status) || (status >= 500 && status <= 599)) return { kind: 'passed-on', status };
  return { kind: 'unusable', status: 502 };
}

/**
 * The status for an error code an upstream put inside its stream (an `error` event, a failed response).
 * OpenRouter's codes are HTTP statuses and follow statusForUpstreamStatus; OpenAI's are words.
 */
export function statusForUpstreamCode(code: string): number {
  if (/^[1-5]\d\d$/.test(code)) return statusForUpstreamStatus(Number(code)).status;
  if (/quota|rate_limit/.test(code)) return 429;
  if (/timeout/.test(code)) return 504;
  if (/^invalid|image|context_length|unsupported/.test(code)) return 400;
  return 500;
}
