// Starts a gateway: opens (and migrates) the store, builds providers and the app, listens. Used by main and by tests.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { createProviders } from '../providers/create-providers.js';
import { openStore } from '../store/open-store.js';
import { createApp } from './create-app.js';
import { createLogger } from './create-logger.js';

export interface RunningGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startGateway(config: Config, logger: Logger = createLogger(config)): Promise<RunningGateway> {
  if (config.keys.length === 0 && !LOOPBACK.has(config.server.host)) {
    throw new Error(
      `refusing to listen on ${config.server.host} with no API keys configured: anyone who reaches it could use your providers. ` +
        'Add keys (keys: [{name, key}]) or listen on 127.0.0.1.',
    );
  }
  const store = await openStore(
    config.database,
    (message) => logger.error(message),
    (message) => logger.warn(message),
  );
  const providers = createProviders(config);
  const app = createApp({ config, store, providers, logger });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, () => resolve(s));
    s.once('error', reject);
  });
  // Streams may legitimately stay open for many minutes; the server must not cut them.
  server.setTimeout?.(0);
  const port = (server.address() as AddressInfo).port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  if (config.keys.length === 0) logger.warn('no API keys configured: listening on loopback only, every caller shares one owner');
  if (!LOOPBACK.has(config.server.host) && config.server.allowed_hosts.length === 0) {
    logger.warn(
      { host: config.server.host },
      'listening beyond loopback, but only the loopback names and the listen address are served as Host: add the names clients use to server.allowed_hosts',
    );
  }

  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...providers.values()].map((p) => p.close()));
      // Flushes the store's writes first.
      await store.close();
    },
  };
}
