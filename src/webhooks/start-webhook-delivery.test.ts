// The delivery loop against a real SQLite store and a real receiver, on an injected clock: backoff is checked by the delays the loop asks for, not by waiting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { configSchema } from '../config/config-schema.js';
import { openStore } from '../store/open-store.js';
import type { ResponseRecord, ResponseStore } from '../store/response-store.js';
import { planWebhookNotices } from './plan-webhook-notices.js';
import { startWebhookDelivery, type Clock, type WebhookDeliveryLoop } from './start-webhook-delivery.js';

/** A clock that moves only when told; the loop's sleeps are kept, so a test reads how long the loop means to wait. */
function manualClock(start: number) {
  let now = start;
  const sleeping: { until: number; resolve: () => void }[] = [];
  const asked: number[] = [];
  let onAsk: (() => void) | undefined;
  const clock: Clock = {
    now: () => now,
    sleep(ms, signal) {
      asked.push(ms);
      onAsk?.();
      return new Promise<void>((resolve) => {
        const entry = { until: now + ms, resolve };
        sleeping.push(entry);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
  return {
    clock,
    /** The next sleep the loop asks for (the loop is then idle until the clock reaches its end). */
    async nextSleep(): Promise<number> {
      if (asked.length === 0) await new Promise<void>((resolve) => (onAsk = resolve));
      onAsk = undefined;
      return asked.shift()!;
    },
    advance(ms: number) {
      now += ms;
      for (const entry of sleeping.filter((s) => s.until <= now)) {
        sleeping.splice(sleeping.indexOf(entry), 1);
        entry.resolve();
      }
    },
  };
}

function completed(id: string): ResponseRecord {
  const response = { id, object: 'response', created_at: 1, status: 'completed', model: 'm', background: true, output: [] } as unknown as ResponseRecord['response'];
  return { owner: 'alice', provider: 'openai', upstreamId: null, previousResponseId: null, response, input: [] };
}

describe('the webhook delivery loop', () => {
  let dir: string;
  let store: ResponseStore;
  let receiver: WebhookReceiver;
  let loop: WebhookDeliveryLoop;
  afterEach(async () => {
    await loop?.close();
    await store?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a failing receiver after doubling delays (random jitter held at the middle), and gives up at retry_max_age_h with a log line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-webhook-loop-'));
    store = await openStore({ url: `sqlite:${join(dir, 'junction.db')}`, synchronous: 'normal' });
    receiver = await startWebhookReceiver();
    receiver.answer([], 500);
    // 0.01 h = 36 s: the whole schedule stays within the SDK's 300 s timestamp tolerance.
    const { webhooks } = configSchema.parse({ webhooks: [{ url: receiver.url, secret: receiver.secret, allow_private: true, retry_initial_s: 2, retry_max_age_h: 0.01 }] });
    const t0 = Date.now();
    const time = manualClock(t0);
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });

    const notices = planWebhookNotices(webhooks, completed('resp_retry'), t0);
    await store.saveResponse(completed('resp_retry'), notices);
    loop = startWebhookDelivery({ store, webhooks, logger, clock: time.clock, random: () => 0.5 });

    // Attempts at t0, +2 s, +4 s, +8 s, +16 s (t0 + 30 s), then the last one at the deadline (t0 + 36 s).
    const expectedSleeps = [2000, 4000, 8000, 16_000, 6000];
    for (const [i, expected] of expectedSleeps.entries()) {
      await receiver.waitFor(i + 1);
      expect(await time.nextSleep()).toBe(expected);
      expect(receiver.received).toHaveLength(i + 1);
      time.advance(expected);
    }
    await receiver.waitFor(6);
    // Given up: nothing pending, so the loop only naps until it looks again.
    expect(await time.nextSleep()).toBe(60_000);
    expect(await store.webhookOutboxStats([receiver.url])).toEqual({ pending: 0, failed: 1, nextAttemptAt: null });

    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([notices[0]!.eventId]));
    expect(receiver.received.map((r) => Number(r.headers['webhook-timestamp']) * 1000 - Math.floor(t0 / 1000) * 1000)).toEqual([0, 2000, 6000, 14_000, 30_000, 36_000]);
    expect(receiver.refused).toEqual([]);
    const retried = lines.filter((l) => l.msg === 'webhook attempt failed; it will be retried');
    expect(retried.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(retried[0]).toMatchObject({ event_id: notices[0]!.eventId, endpoint: receiver.url, status: 500, next_attempt_at: new Date(t0 + 2000).toISOString() });
    expect(lines.filter((l) => l.level === 50)).toEqual([expect.objectContaining({ msg: 'webhook given up after 0.01 h of retries', attempt: 6, event_id: notices[0]!.eventId })]);
    expect(lines.at(-1)).toMatchObject({ msg: 'webhook outbox', pending: 0, failed: 1 });
  });
});
