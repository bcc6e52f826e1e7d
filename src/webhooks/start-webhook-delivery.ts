// The delivery loop, off the request path: claims due outbox rows, posts them, and settles each (delivered, retried later, given up).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { WebhookConfig } from '../config/config-schema.js';
import type { ResponseStore, WebhookDelivery, WebhookOutcome } from '../store/response-store.js';
import { nextAttempt } from './next-attempt.js';
import { webhookEndpoint, type AttemptResult, type WebhookEndpoint } from './post-webhook.js';

/** Time as the loop sees it: injected in tests, so that backoff is checked without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

export interface WebhookDeliveryLoop {
  /** New notices were committed: look for due deliveries now. */
  wake(): void;
  /**
   * Stops claiming; attempts in flight may finish within `graceMs` (each is bounded by its timeout anyway),
   * then are cut and handed back to the outbox (not counted as attempts).
   */
  close(graceMs?: number): Promise<void>;
}

export interface DeliveryOptions {
  store: ResponseStore;
  webhooks: WebhookConfig[];
  logger: Logger;
  clock?: Clock;
  random?: () => number;
}

/** Deliveries claimed (and posted concurrently) at most per claim. */
const BATCH = 32;
/** Even when not woken, the outbox is looked at this often (another process may have written to it). */
const IDLE_MS = 60_000;
/** After the store fails, the loop waits this long before it tries again. */
const STORE_ERROR_PAUSE_MS = 5_000;

export function startWebhookDelivery({ store, webhooks, logger, clock = systemClock, random = Math.random }: DeliveryOptions): WebhookDeliveryLoop {
  const endpoints = new Map<string, WebhookEndpoint>(webhooks.map((config) => [config.url, webhookEndpoint(config)]));
  /** Endpoints that answered 410 Gone: nothing more is posted to them until the gateway restarts. */
  const disabled = new Set<string>();
  // A claim outlives the longest attempt; a loop that dies mid-attempt lets its rows go after it.
  const leaseMs = Math.max(...webhooks.map((hook) => hook.timeout_s * 1000)) + 60_000;
  /** Set on close: no new claims. */
  const closing = new AbortController();
  /** Set when close's grace for attempts in flight runs out: they are cut. */
  const stopping = new AbortController();
  let woken = false;
  let napping: AbortController | undefined;
  let reported: { pending: number; failed: number } | undefined;

  const active = () => [...endpoints.keys()].filter((url) => !disabled.has(url));

  const outcomeOf = (delivery: WebhookDelivery, endpoint: WebhookEndpoint, result: AttemptResult): WebhookOutcome => {
    const attempt = delivery.attempts + 1;
    const fields = { event_id: delivery.eventId, response_id: delivery.responseId, endpoint: delivery.endpoint, attempt };
    switch (result.type) {
      case 'delivered':
        logger.info({ ...fields, status: result.status }, 'webhook delivered');
        return { type: 'delivered' };
      case 'gone':
        disabled.add(delivery.endpoint);
        logger.warn({ ...fields, status: 410 }, 'webhook endpoint answered 410 Gone: nothing more is sent to it until the gateway restarts (its deliveries stay pending)');
        return { type: 'retry', attempts: attempt, nextAttemptAt: clock.now(), lastError: 'answered 410' };
      case 'failed': {
        const now = clock.now();
        const next = nextAttempt(endpoint.config, attempt, delivery.createdAt, now, random);
        if (next.type === 'give-up') {
          logger.error({ ...fields, status: result.status, error: result.error }, `webhook given up after ${endpoint.config.retry_max_age_h} h of retries`);
          return { type: 'failed', attempts: attempt, lastError: result.error };
        }
        logger.warn({ ...fields, status: result.status, error: result.error, next_attempt_at: new Date(next.at).toISOString() }, 'webhook attempt failed; it will be retried');
        return { type: 'retry', attempts: attempt, nextAttemptAt: next.at, lastError: result.error };
      }
      default: {
        const unknown: never = result;
        throw new Error(`unknown attempt result ${JSON.stringify(unknown)}`);
      }
    }
  };

  const deliver = async (delivery: WebhookDelivery) => {
    const endpoint = endpoints.get(delivery.endpoint)!;
    const result = await endpoint.post(delivery, Math.floor(clock.now() / 1000), stopping.signal);
    // Cut by shutdown: not an attempt; the row goes back as it was, due at once after the restart.
    const outcome: WebhookOutcome =
      result.type === 'failed' && stopping.signal.aborted
        ? { type: 'retry', attempts: delivery.attempts, nextAttemptAt: clock.now(), lastError: 'the gateway stopped during the attempt' }
        : outcomeOf(delivery, endpoint, result);
    try {
      await store.settleWebhookDelivery(delivery, outcome);
    } catch (err) {
      logger.error({ err, event_id: delivery.eventId, endpoint: delivery.endpoint }, 'storing a webhook attempt failed; the delivery is tried again once its claim runs out');
    }
  };

  /** Logs the outbox's counts when they change; returns when the next pending delivery is due. */
  const report = async (urls: string[]) => {
    const stats = await store.webhookOutboxStats(urls);
    if (reported ? stats.pending !== reported.pending || stats.failed !== reported.failed : stats.pending + stats.failed > 0) {
      logger.info({ pending: stats.pending, failed: stats.failed, disabled_endpoints: [...disabled] }, 'webhook outbox');
    }
    reported = { pending: stats.pending, failed: stats.failed };
    return stats.nextAttemptAt;
  };

  const nap = async (ms: number) => {
    napping = new AbortController();
    const stop = () => napping?.abort();
    closing.signal.addEventListener('abort', stop, { once: true });
    await clock.sleep(ms, napping.signal);
    closing.signal.removeEventListener('abort', stop);
    napping = undefined;
  };
  /** Resolves on the next wake (a commit with notices, an attempt settled, close): no clock involved. */
  let wakeUp: (() => void) | undefined;
  const nextWake = () => new Promise<void>((resolve) => (wakeUp = resolve));
  const wake = () => {
    woken = true;
    napping?.abort();
    wakeUp?.();
  };

  /**
   * Attempts in flight, and how many per endpoint: an endpoint with attempts in flight is not claimed for
   * until they settle, so a slow endpoint holds up only its own deliveries, a receiver gets one batch at a
   * time, and a 410 disables the endpoint before anything more is sent to it.
   */
  const inFlight = new Set<Promise<void>>();
  const busy = new Map<string, number>();
  const start = (delivery: WebhookDelivery) => {
    busy.set(delivery.endpoint, (busy.get(delivery.endpoint) ?? 0) + 1);
    const attempt: Promise<void> = deliver(delivery)
      .catch((err: unknown) => logger.error({ err, event_id: delivery.eventId, endpoint: delivery.endpoint }, 'a webhook attempt failed unexpectedly'))
      .finally(() => {
        inFlight.delete(attempt);
        const left = busy.get(delivery.endpoint)! - 1;
        if (left === 0) busy.delete(delivery.endpoint);
        else busy.set(delivery.endpoint, left);
        wake();
      });
    inFlight.add(attempt);
  };

  const run = async () => {
    while (!closing.signal.aborted) {
      woken = false;
      const idle = active().filter((url) => !busy.has(url));
      try {
        const claimed = idle.length === 0 ? [] : await store.claimWebhookDeliveries({ endpoints: idle, now: clock.now(), leaseMs, limit: BATCH });
        for (const delivery of claimed) start(delivery);
        if (claimed.length > 0) continue;
        const due = await report(idle);
        if (woken || closing.signal.aborted) continue;
        // Nothing due for the idle endpoints: wait for it, or for an attempt in flight to settle (a wake).
        if (due === null && inFlight.size > 0) await nextWake();
        else await nap(due === null ? IDLE_MS : Math.min(IDLE_MS, Math.max(0, due - clock.now())));
      } catch (err) {
        if (closing.signal.aborted) break;
        logger.error({ err }, 'the webhook delivery loop could not read the outbox; it tries again shortly');
        await nap(STORE_ERROR_PAUSE_MS);
      }
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  const running = run();

  return {
    wake,
    async close(graceMs = 10_000) {
      closing.abort();
      wake();
      const grace = setTimeout(() => stopping.abort(), graceMs);
      await running;
      clearTimeout(grace);
      await Promise.all([...endpoints.values()].map((endpoint) => endpoint.close()));
    },
  };
}
