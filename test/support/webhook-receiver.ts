// A webhook endpoint for tests: real HTTP on loopback, answers as scripted, and verifies every delivery with the real `openai` SDK.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The payload as `client.webhooks.unwrap()` returned it (it verified the signature and the timestamp). */
  event: { id: string; object: string; created_at: number; type: string; data: { id: string } };
  /** The status the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  secret: string;
  received: ReceivedWebhook[];
  /** Deliveries the SDK refused (must stay empty: every delivery is signed right). */
  refused: { body: string; error: string }[];
  /**
   * Statuses to answer next, in order; once they run out, `then` (default 200). `0` answers nothing (the
   * request hangs until the sender gives up); a 3xx points `location` at `redirectTo`.
   */
  answer(statuses: number[], then?: number, redirectTo?: string): void;
  /** Resolves once `count` deliveries have been received (and answered). */
  waitFor(count: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const sdk = new OpenAI({ apiKey: 'unused' });

const flatHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));

/** `port`: listen on that port again (a receiver that comes back where it was). */
export async function startWebhookReceiver(secret = newWebhookSecret(), port = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const refused: WebhookReceiver['refused'] = [];
  let script: number[] = [];
  let otherwise = 200;
  let location: string | undefined;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = flatHeaders(req.headers);
      sdk.webhooks.unwrap(body, headers, secret).then(
        (event) => {
          const status = script.shift() ?? otherwise;
          if (status !== 0) res.writeHead(status, { 'content-type': 'text/plain', ...(location ? { location } : {}) }).end('noted');
          received.push({ headers, body, event: event as unknown as ReceivedWebhook['event'], status });
          for (const waiter of waiters.filter((w) => received.length >= w.count)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        },
        (err: Error) => {
          refused.push({ body, error: err.message });
          res.writeHead(400).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    secret,
    received,
    refused,
    answer(statuses, then = 200, redirectTo) {
      script = [...statuses];
      otherwise = then;
      location = redirectTo;
    },
    async waitFor(count) {
      if (received.length < count) await new Promise<void>((resolve) => waiters.push({ count, resolve }));
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
