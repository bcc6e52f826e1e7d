// Reading an upstream's body within the configured limits, and turning a broken or silent connection into the gateway's 502/504.
import type { LimitsConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';

/** Upstream's body as it arrived, for the stored upstream exchange: its first EXCHANGE_BODY_BYTES (see captureChunk). */
export interface SseCapture {
  raw: Uint8Array[];
  /** Bytes in `raw`. */
  kept: number;
  /** Bytes read in all. */
  seen: number;
}

/** How one upstream body is read: whose it is, where its bytes are kept, and how much of it may come. */
export interface UpstreamReading {
  provider: string;
  /** Hides the provider's secrets in an error it sends inside its body (a stream's `error` event). */
  mask: (text: string) => string;
  capture: SseCapture | undefined;
  maxEventBytes: number;
  maxResponseBytes: number;
}

const MB = 1024 * 1024;

/**
 * The stored exchange keeps this much of upstream's body, and a marker when there was more. Ordinary answers
 * are far smaller (a maximal text output is 30–40 MB of SSE, a usual one some kilobytes to a megabyte);
 * keeping all of a body stopped at limits.max_response_mb cost four copies of it in memory while it was
 * joined, bound and written (300 MB for a 64 MB stream), for a debugging log.
 */
export const EXCHANGE_BODY_BYTES = 4 * MB;

export const newCapture = (): SseCapture => ({ raw: [], kept: 0, seen: 0 });

/** Keeps a chunk for the exchange while the body is within EXCHANGE_BODY_BYTES (a chunk that crosses it, in part). */
export function captureChunk(capture: SseCapture, chunk: Uint8Array): void {
  capture.seen += chunk.length;
  const room = EXCHANGE_BODY_BYTES - capture.kept;
  if (room <= 0) return;
  const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
  capture.raw.push(part);
  capture.kept += part.length;
}

/** The body kept for the exchange: the bytes as they came, or their first EXCHANGE_BODY_BYTES and an SSE comment saying how much was left out. */
export function capturedBody(capture: SseCapture): Buffer {
  if (capture.seen <= capture.kept) return Buffer.concat(capture.raw, capture.kept);
  const marker = Buffer.from(`\n\n: junction: the stored exchange keeps the first ${capture.kept} of the ${capture.seen} bytes upstream sent\n\n`);
  return Buffer.concat([...capture.raw, marker], capture.kept + marker.length);
}

export const readingLimits = (limits: LimitsConfig) => ({
  maxEventBytes: Math.round(limits.max_upstream_event_mb * MB),
  maxResponseBytes: Math.round(limits.max_response_mb * MB),
});

export function responseTooLarge(reading: UpstreamReading): GatewayError {
  return new GatewayError(
    502,
    `Provider "${reading.provider}" sent more than ${reading.maxResponseBytes / MB} MB (limits.max_response_mb); the gateway stopped reading it.`,
    'upstream_error',
    'upstream_response_too_large',
  );
}

export function eventTooLarge(reading: UpstreamReading): GatewayError {
  return new GatewayError(
    502,
    `Provider "${reading.provider}" sent one event larger than ${reading.maxEventBytes / MB} MB (limits.max_upstream_event_mb); the gateway stopped reading it.`,
    'upstream_error',
    'upstream_event_too_large',
  );
}

/**
 * What a failed read of the upstream means for the client: a timeout is 504 `upstream_timeout`, anything
 * else (refused, reset, closed early) 502 `upstream_unreachable`. The client sees the provider's name; the
 * cause (which may hold the internal URL) goes to the log only. An abort and the gateway's own errors pass.
 */
export function upstreamFailure(provider: string, err: unknown): unknown {
  if (err instanceof GatewayError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_ABORTED' || err.name === 'AbortError') return err;
  const timedOut = typeof code === 'string' && code.includes('TIMEOUT');
  const failure = timedOut
    ? new GatewayError(504, `Provider "${provider}" did not answer in time.`, 'upstream_error', 'upstream_timeout')
    : new GatewayError(502, `Could not reach provider "${provider}": the connection failed or broke.`, 'upstream_error', 'upstream_unreachable');
  return failure.withDetail(`${String(code ?? err.name)}: ${err.message}`);
}

/** A whole body (a JSON answer), within limits.max_response_mb, kept for the exchange when asked. */
export async function readUpstreamBody(body: AsyncIterable<Uint8Array>, reading: UpstreamReading): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > reading.maxResponseBytes) throw responseTooLarge(reading);
      chunks.push(chunk);
      if (reading.capture) captureChunk(reading.capture, chunk);
    }
  } catch (err) {
    throw upstreamFailure(reading.provider, err);
  }
  return Buffer.concat(chunks, size);
}
