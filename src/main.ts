#!/usr/bin/env node
// Command line entry: `junction [--config FILE] [--port N]` serves (also JUNCTION_CONFIG, PORT); `junction backup FILE [--config FILE]` copies the live store;
// `junction migrate-store [--from sqlite:PATH] --to postgres://… [--config FILE] [--temp-dir DIR]` copies a SQLite store into an empty PostgreSQL one.
import { constants, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger } from './server/create-logger.js';
import { startGateway } from './server/start-gateway.js';
import { migrateStore } from './store/migrate/migrate-store.js';
import { backupDatabase, sqlitePathOf } from './store/sqlite/backup-database.js';

const configFile = (flag: string | undefined) => flag ?? process.env.JUNCTION_CONFIG ?? './config.yaml';

async function main(args: string[]): Promise<void> {
  if (args[0] === 'backup') return backup(args.slice(1));
  if (args[0] === 'migrate-store') return migrateStoreCommand(args.slice(1));
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' } },
    allowPositionals: false,
  });
  const file = configFile(values.config);
  const config = loadConfig(file);
  const port = values.port ?? process.env.PORT;
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(file, `--port/PORT: "${port}" is not a port number`);
    config.server.port = n;
  }
  const logger = createLogger(config);
  const gateway = await startGateway(config, logger);
  logger.info({ url: gateway.url, config: file, database: config.database.url, instance: gateway.instance }, `junction listening on ${gateway.url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    // `npm start` in a terminal passes Ctrl-C on while the terminal sends it too: a repeated signal must not
    // cut the grace short (with `once`, the second one would kill the process).
    if (stopping) return void logger.info({ signal }, 'already shutting down (SIGKILL stops at once)');
    stopping = true;
    logger.info({ signal, grace_s: config.server.shutdown_grace_s }, 'shutting down: no new requests; open streams get the grace period');
    gateway.close().then(
      () => {
        logger.info('shut down');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** `junction backup FILE`: the store named by the config, copied to FILE while the gateway may be serving. */
async function backup(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new Error('usage: junction backup FILE [--config FILE]');
  const config = loadConfig(configFile(values.config));
  // The copy and its check take a core for seconds; on the gateway's machine the gateway comes first.
  setPriority(constants.priority.PRIORITY_LOW);
  const result = await backupDatabase(sqlitePathOf(config.database.url), positionals[0]!);
  const mb = (result.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `backup written to ${result.file}: ${mb} MB, ${result.responses} responses, integrity_check ok ` +
      `(copy ${(result.copyMs / 1000).toFixed(1)} s, check ${(result.checkMs / 1000).toFixed(1)} s)\n`,
  );
}

const MIGRATE_USAGE = 'usage: junction migrate-store [--from sqlite:PATH] --to postgres://… [--config FILE] [--temp-dir DIR]';

/** `junction migrate-store`: `--from` defaults to the config's database.url; a password may come from PGPASSWORD rather than the URL. */
async function migrateStoreCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, config: { type: 'string', short: 'c' }, 'temp-dir': { type: 'string' } },
    allowPositionals: false,
  });
  if (!values.to) throw new Error(`--to is required: ${MIGRATE_USAGE}`);
  const from = values.from ?? loadConfig(configFile(values.config)).database.url;
  // The snapshot takes a core for seconds; on the gateway's machine the gateway comes first.
  setPriority(constants.priority.PRIORITY_LOW);
  const result = await migrateStore({
    from,
    to: values.to,
    tempDir: values['temp-dir'],
    onTable: ({ table, rows, ms }) => process.stdout.write(`${table}: ${rows} rows (${(ms / 1000).toFixed(1)} s)\n`),
  });
  const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
  const migrated = result.migrated.length > 0 ? `, the snapshot migrated first (${result.migrated.join(', ')})` : '';
  process.stdout.write(
    `copied ${rows} rows in ${result.tables.length} tables into PostgreSQL in ${(result.totalMs / 1000).toFixed(1)} s ` +
      `(snapshot ${(result.snapshotMs / 1000).toFixed(1)} s${migrated})\n`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`junction: ${(err as Error).message}\n`);
  process.exit(1);
});
