// Imported first by a test file that runs another file's tests on PostgreSQL: every gateway the file starts gets a fresh schema on the test run's server.
import { afterAll } from 'vitest';
import { dropTestDatabases } from './test-database.js';

/** Read by startTestGateway when it starts a gateway (a test file has its own module state). */
export const testStore = { kind: 'sqlite' as 'sqlite' | 'postgres' };

export function usePostgresStore(): void {
  testStore.kind = 'postgres';
  // Registered before the file's own hooks: it runs after them, once its gateways are closed.
  afterAll(() => dropTestDatabases());
}
