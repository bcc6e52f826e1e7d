// vitest globalSetup: one PostgreSQL server for the whole test run (bench/start-embedded-postgres.ts, shared with the benchmark), unless JUNCTION_TEST_DATABASE_URL names one.
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../bench/start-embedded-postgres.js';

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
  const server = await startEmbeddedPostgres('junction-test-postgres-', 'test PostgreSQL');
  project.provide('postgresUrl', server.url);
  return server.stop;
}
