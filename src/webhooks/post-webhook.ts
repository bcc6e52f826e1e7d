// One delivery attempt: a signed POST to the endpoint, through its guarded connection, with its timeout; never follows a redirect.
import { Agent, request } from 'undici';
import type { WebhookConfig } from '../config/config-schema.js';
import type { WebhookNotice } from '../store/response-store.js';
import { guardedLookup } from './guard-webhook-address.js';
import { webhookHeaders, webhookKey } from './sign-webhook.js';

/** What an attempt came to: a 2xx, a 410 (the endpoint is gone), or anything else (retried). */
export type AttemptResult = { type: 'delivered'; status: number } | { type: 'gone'; status: 410 } | { type: 'failed'; error: string; status?: number };

/** Of a receiver's answer, at most this much is read (and thrown away): a receiver cannot make the gateway buffer. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface WebhookEndpoint {
  config: WebhookConfig;
  /** Posts one notice, signed for this attempt's time (unix seconds). */
  post(notice: WebhookNotice, timestamp: number, signal: AbortSignal): Promise<AttemptResult>;
  close(): Promise<void>;
}

export function webhookEndpoint(config: WebhookConfig): WebhookEndpoint {
  const key = webhookKey(config.secret)!;
  const timeoutMs = config.timeout_s * 1000;
  const agent = new Agent({ connect: { lookup: guardedLookup(config), timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return {
    config,
    async post(notice, timestamp, signal) {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const { statusCode, body } = await request(config.url, {
          method: 'POST',
          dispatcher: agent,
          headers: webhookHeaders(key, notice.eventId, timestamp, notice.payload),
          body: notice.payload,
          signal: AbortSignal.any([signal, timeout]),
        });
        await body.dump({ limit: BODY_LIMIT_BYTES }).catch(() => undefined);
        if (statusCode >= 200 && statusCode < 300) return { type: 'delivered', status: statusCode };
        if (statusCode === 410) return { type: 'gone', status: 410 };
        return { type: 'failed', status: statusCode, error: `answered ${statusCode}` };
      } catch (err) {
        if (timeout.aborted) return { type: 'failed', error: `no answer within ${config.timeout_s} s` };
        const { code, message } = err as { code?: string; message?: string };
        return { type: 'failed', error: code ? `${code}: ${message}` : String(message ?? err) };
      }
    },
    close: () => agent.close(),
  };
}
