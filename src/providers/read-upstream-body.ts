// Reading an upstream's body within the configured limits and timeouts (a broken or silent connection becomes the gateway's 502/504, see upstream-deadline.ts).
import type { LimitsConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamDeadline } from './upstream-deadline.js';

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
  /** The call's timeouts: told of every step of progress, and asked what a failed read means. */
  deadline: UpstreamDeadline;
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
  return new GatewayError({
    status: 502,
    message: `Provider "${reading.provider}" sent more than ${reading.maxResponseBytes / MB} MB (limits.max_response_mb); the gateway stopped reading it.`,
    type: 'upstream_error',
    code: 'upstream_response_too_large',
    // The same request would bring the same answer.
    retryable: false,
  });
}

export function eventTooLarge(reading: UpstreamReading): GatewayError {
  return new GatewayError({
    status: 502,
    message: `Provider "${reading.provider}" sent one event larger than ${reading.maxEventBytes / MB} MB (limits.max_upstream_event_mb); the gateway stopped reading it.`,
    type: 'upstream_error',
    code: 'upstream_event_too_large',
    retryable: false,
  });
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
      reading.deadline.progressed();
    }
  } catch (err) {
    throw reading.deadline.failure(err);
  } finally {
    reading.deadline.finish();
  }
  return Buffer.concat(chunks, size);
}
