// How long to wait before trying a target again: the upstream's Retry-After / retry-after-ms when it sent one, else exponential backoff with jitter; both capped.

/**
 * `attempt` counts retries from 1. An upstream's own wait (`retry-after-ms` in milliseconds, or `Retry-After`
 * in seconds or as an HTTP date) is honoured up to `maxMs`; otherwise `backoffMs` doubles per retry and is
 * drawn between half and all of that (jitter, so that clients refused together do not return together).
 */
export function retryDelay(
  attempt: number,
  { backoffMs, maxMs }: { backoffMs: number; maxMs: number },
  headers: Record<string, string>,
  nowMs: number,
  random: () => number = Math.random,
): { ms: number; asked: number | undefined } {
  const asked = askedDelay(headers, nowMs);
  if (asked !== undefined) return { ms: Math.min(asked, maxMs), asked };
  const full = backoffMs * 2 ** (attempt - 1);
  return { ms: Math.min(Math.round(full * (0.5 + random() / 2)), maxMs), asked: undefined };
}

/** The wait an upstream asked for, in milliseconds, or undefined when it asked for none it could mean. */
export function askedDelay(headers: Record<string, string>, nowMs: number): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers['retry-after'];
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (after.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
