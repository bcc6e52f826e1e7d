// Command line entry: `node dist/src/main.js [--config FILE] [--port N]` (also JUNCTION_CONFIG, PORT).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger } from './server/create-logger.js';
import { startGateway } from './server/start-gateway.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' } },
    allowPositionals: false,
  });
  const file = values.config ?? process.env.JUNCTION_CONFIG ?? './config.yaml';
  const config = loadConfig(file);
  const port = values.port ?? process.env.PORT;
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(file, `--port/PORT: "${port}" is not a port number`);
    config.server.port = n;
  }
  const logger = createLogger(config);
  const gateway = await startGateway(config, logger);
  logger.info({ url: gateway.url, config: file, database: config.database.url }, `junction listening on ${gateway.url}`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing writes');
    gateway.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`junction: ${(err as Error).message}\n`);
  process.exit(1);
});
