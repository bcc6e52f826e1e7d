// Waits off the event loop for a write lock another process holds: SQLite's own busy wait would sleep on the event loop.
import { GatewayError } from '../../errors/gateway-error.js';

/** Pauses between two tries of a write that found the database locked: from 1 ms, doubling, to at most this. */
export const LOCKED_PAUSE_MAX_MS = 50;

/** SQLITE_BUSY and its extended codes: another connection holds the lock; nothing of the transaction was written. */
export const isLocked = (err: unknown): boolean =>
  typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');

/**
 * Runs `write` (one whole transaction, rolled back when the lock is refused) until it gets the lock, pausing
 * between tries; after `lockWaitMs` a 503 that a client may retry. For the rare writes outside the response
 * writer (a DELETE), which has its own group-aware loop for the hot path.
 */
export async function retryWhileLocked<T>(write: () => Promise<T>, lockWaitMs = 30_000): Promise<T> {
  const since = Date.now();
  let pauseMs = 1;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isLocked(err)) throw err;
      if (Date.now() - since >= lockWaitMs) {
        throw new GatewayError({
          status: 503,
          message: `The store stayed locked by another process for ${lockWaitMs} ms; try again.`,
          type: 'server_error',
          code: 'store_busy',
          headers: { 'retry-after': '1' },
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, LOCKED_PAUSE_MAX_MS);
  }
}
