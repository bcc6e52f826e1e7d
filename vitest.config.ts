import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'transformers/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['node_modules', 'dist'],
    // One PostgreSQL server for the run (or JUNCTION_TEST_DATABASE_URL's): the store's tests run on it as on SQLite.
    globalSetup: ['test/support/start-test-postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
