// Starts a gateway: opens (and migrates) the store, builds providers and the app, listens. Used by main and by tests.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { createProviders } from '../providers/create-providers.js';
import { startRunLeases } from '../runs/run-leases.js';
import type { RoutingDeps } from '../runs/attempt-upstream.js';
import { RunRegistry } from '../runs/run-registry.js';
import type { RoutingEvent } from '../runs/routing-events.js';
import { TargetCooldowns } from '../runs/target-cooldowns.js';
import { openStore } from '../store/open-store.js';
import { startRetentionCleaner } from '../store/start-retention-cleaner.js';
import { checkWebhookAddresses } from '../webhooks/guard-webhook-address.js';
import { withWebhookNotices } from '../webhooks/plan-webhook-notices.js';
import { startWebhookDelivery, type WebhookDeliveryLoop } from '../webhooks/start-webhook-delivery.js';
import { createApp } from './create-app.js';
import { createLogger } from './create-logger.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { openKeyLimits } from './open-key-limits.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** This process's name in the store's run leases (`runs.lease_owner`): host, pid and a random suffix. */
  instance: string;
  close(): Promise<void>;
}

/**
 * What tests inject: the retention cleaner's clock (seconds since the epoch) and how often it looks; the clock in
 * milliseconds (routing's cooldowns and Retry-After dates, the per-key limits' windows), routing's wait between
 * retries, and an observer of its events.
 */
export interface GatewayOptions extends Pick<RoutingDeps, 'routingEvents' | 'sleep' | 'clockMs'> {
  now?: () => number;
  retentionIntervalMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startGateway(config: Config, logger: Logger = createLogger(config), options: GatewayOptions = {}): Promise<RunningGateway> {
  if (config.keys.length === 0 && !LOOPBACK.has(config.server.host)) {
    throw new Error(
      `refusing to listen on ${config.server.host} with no API keys configured: anyone who reaches it could use your providers. ` +
        'Add keys (keys: [{name, key}]) or listen on 127.0.0.1.',
    );
  }
  // A webhook endpoint that resolves to a private address without allow_private stops the start, before anything is opened.
  await checkWebhookAddresses(config.webhooks, (message) => logger.warn(message));
  // Store commits are timed from the start; webhook counts are read only when the page is scraped.
  let webhookStats: (() => ReturnType<typeof opened.webhookOutboxStats>) | undefined;
  const metrics = createGatewayMetrics(config.webhooks.length > 0 ? () => webhookStats!() : undefined);
  const opened = await openStore(
    { ...config.database, onCommit: (ms) => metrics.storeCommit(ms) },
    (message) => logger.error(message),
    (message) => logger.warn(message),
  );
  let webhooks: WebhookDeliveryLoop | undefined;
  // Every response end the runs store carries its webhook notices in the same transaction.
  const store = withWebhookNotices(opened, config.webhooks, () => webhooks?.wake());
  webhookStats = () => opened.webhookOutboxStats(config.webhooks.map((hook) => hook.url));
  const providers = createProviders(config);
  const { sleep, clockMs } = options;
  const routingEvents = (event: RoutingEvent) => {
    metrics.routing(event);
    options.routingEvents?.(event);
  };
  // Counted in the store when it is shared by several instances (PostgreSQL), else in this process; a failure to reach it lets the request through.
  const keyLimits = openKeyLimits(config.keys, opened, {
    now: clockMs,
    onError: (failure, err, key) => {
      metrics.keyLimitError(failure);
      logger.warn({ err, key, failure }, failure === 'admit' ? 'key limits: the shared counters did not answer; the request was let through' : `key limits: the shared counters did not answer (${failure})`);
    },
  });
  const deps = { config, store, providers, logger, metrics, keyLimits, cooldowns: new TargetCooldowns(clockMs), routingEvents, sleep, clockMs };
  // This process's name in the store's run leases: its host and pid (for the logs), made unique.
  const leases = { instance: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, leaseMs: config.background.lease_s * 1000, pollMs: config.background.poll_ms };
  const runs = new RunRegistry(deps, {
    maxConcurrent: config.background.max_concurrent,
    holdMs: config.server.heartbeat_s * 1000,
    maxLogChars: config.background.max_event_log_mb * 1024 * 1024,
    ...leases,
  });
  const app = createApp(deps, runs);
  // Before listening, a first sweep: on SQLite (one process per file) every unfinished run a previous process
  // left is recovered; on PostgreSQL those whose instance's lease has lapsed (the others when theirs lapse).
  const runLeases = await startRunLeases(deps, runs, leases, config.database.url.startsWith('sqlite:'));
  // Pending deliveries (of this process's ends, and those a previous one left) go out from here on.
  if (config.webhooks.length > 0) webhooks = startWebhookDelivery({ store: opened, webhooks: config.webhooks, logger });

  const retention = startRetentionCleaner({ store, retention: config.retention, logger, now: options.now, intervalMs: options.retentionIntervalMs });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, () => resolve(s));
    s.once('error', reject);
  });
  /** Answers still being written, so that shutdown cuts no socket before its answer is out. */
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  // Streams may legitimately stay open for many minutes; the server must not cut them.
  server.setTimeout?.(0);
  const port = (server.address() as AddressInfo).port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.timeout_ms === undefined) continue;
    logger.warn(
      { provider: name, timeout_ms: provider.timeout_ms, timeouts: provider.timeouts },
      `providers.${name}.timeout_ms is deprecated: it stands for timeouts.first_byte_ms and timeouts.idle_ms; set those instead`,
    );
  }
  // A model's defaults and drop list change what clients send: said once at start (a dropped field is also
  // warned of on each request that had it; a filled-in default is logged at debug per request).
  for (const [alias, model] of Object.entries(config.models)) {
    if (model.defaults) logger.warn({ model: alias, defaults: Object.keys(model.defaults) }, `models.${alias}.defaults: filled in under the client's fields when it does not send them`);
    if (model.drop?.length) logger.warn({ model: alias, drop: model.drop }, `models.${alias}.drop: removed from every request before it goes upstream`);
  }
  if (config.keys.length === 0) logger.warn('no API keys configured: listening on loopback only, every caller shares one owner');
  if (!LOOPBACK.has(config.server.host) && config.server.allowed_hosts.length === 0) {
    logger.warn(
      { host: config.server.host },
      'listening beyond loopback, but only the loopback names and the listen address are served as Host: add the names clients use to server.allowed_hosts',
    );
  }

  return {
    url: `http://${host}:${port}`,
    instance: leases.instance,
    port,
    async close() {
      // No new connections; open streams get the grace, then end `failed`; background runs are left to restart recovery.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      runs.refuseNew();
      // Webhook attempts in flight get the same grace, then are handed back to the outbox (the next start sends them).
      const webhooksStopped = webhooks?.close(config.server.shutdown_grace_s * 1000);
      const drained = await runs.drain(config.server.shutdown_grace_s * 1000);
      if (drained.ended + drained.cut + drained.abandoned > 0) {
        logger.info(
          { ended: drained.ended, cut: drained.cut, left_for_recovery: drained.abandoned },
          'runs at shutdown: foreground ones that ended in the grace period, those cut (error + response.failed), background ones left for restart recovery',
        );
      }
      // Every run and call has its end now: the answers being written are let out before the sockets are cut.
      await answersSent(inFlight, 2_000);
      (server as Server).closeAllConnections();
      await closed;
      await Promise.all([...providers.values()].map((p) => p.close()));
      await retention.stop();
      // The background runs left are another instance's to take over at once (on SQLite, the next start's).
      await runLeases.stop(true);
      await webhooksStopped;
      // Flushes the store's writes first.
      await store.close();
    },
  };
}

/** Waits (at most `limitMs`) until every answer in flight has been written out and its response closed. */
async function answersSent(inFlight: Set<ServerResponse>, limitMs: number): Promise<void> {
  if (inFlight.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
  const sent = Promise.all([...inFlight].map((res) => new Promise<void>((resolve) => (res.writableFinished || res.destroyed ? resolve() : res.once('close', () => resolve())))));
  await Promise.race([sent, limit]);
  clearTimeout(timer);
}
