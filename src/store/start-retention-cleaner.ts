// Deletes responses and conversations past `retention`, in small batches off the request path, through the store interface.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import type { ExpiryCutoffs, ResponseStore } from './response-store.js';

/** How often the cleaner looks for expired rows. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/**
 * Rows of each kind deleted per transaction: a batch holds the write lock (and, on SQLite, the event loop) for
 * about a millisecond, and requests are served between batches.
 */
const BATCH_SIZE = 100;
const DAY_S = 86_400;

export interface RetentionCleanerOptions {
  store: Pick<ResponseStore, 'deleteExpired'>;
  retention: Config['retention'];
  logger: Logger;
  /** Seconds since the epoch; injected in tests. */
  now?: () => number;
  intervalMs?: number;
  batchSize?: number;
}

export interface RetentionCleaner {
  /** Deletes everything expired now, a batch at a time; resolves with how many of each went. */
  sweep(): Promise<{ responses: number; conversations: number }>;
  /** No sweep starts after this; resolves once the one under way (if any) has stopped after its batch. */
  stop(): Promise<void>;
}

export function startRetentionCleaner({
  store,
  retention,
  logger,
  now = () => Math.floor(Date.now() / 1000),
  intervalMs = SWEEP_INTERVAL_MS,
  batchSize = BATCH_SIZE,
}: RetentionCleanerOptions): RetentionCleaner {
  const enabled = retention.responses_days !== undefined || retention.conversations_days !== undefined;
  let stopped = false;
  let running: Promise<{ responses: number; conversations: number }> | undefined;

  const cutoffs = (): ExpiryCutoffs => {
    const at = now();
    return {
      responsesBefore: retention.responses_days === undefined ? undefined : at - retention.responses_days * DAY_S,
      conversationsBefore: retention.conversations_days === undefined ? undefined : at - retention.conversations_days * DAY_S,
    };
  };

  const sweepNow = async () => {
    const total = { responses: 0, conversations: 0 };
    const before = cutoffs();
    while (!stopped) {
      const deleted = await store.deleteExpired(before, batchSize);
      total.responses += deleted.responses;
      total.conversations += deleted.conversations;
      if (deleted.responses < batchSize && deleted.conversations < batchSize) break;
      await nextTurn();
    }
    if (total.responses + total.conversations > 0) logger.info(total, 'retention: deleted expired responses and conversations');
    return total;
  };

  const sweep = () => {
    if (!enabled || stopped) return Promise.resolve({ responses: 0, conversations: 0 });
    running ??= sweepNow().finally(() => (running = undefined));
    return running;
  };

  const tick = () =>
    void sweep().catch((err: unknown) => {
      // Tried again at the next interval.
      logger.warn({ err }, 'retention: deleting expired rows failed');
    });
  const timer = enabled ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();
  if (enabled) setImmediate(tick);

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
