// Starts a real gateway in-process for a test: real HTTP on port 0, a real SQLite file in a temp dir (or a fresh PostgreSQL schema, see use-postgres-store.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { configSchema, type Config } from '../../src/config/config-schema.js';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import { startMockUpstream, type MockUpstream } from './mock-upstream.js';
import { createTestDatabase } from './test-database.js';
import { testStore } from './use-postgres-store.js';

export interface TestGateway extends RunningGateway {
  dir: string;
  config: Config;
  /** Stops this instance and starts another on the same database file (state must survive). */
  restart(): Promise<TestGateway>;
}

export const TEST_KEYS = [
  { name: 'alice', key: 'sk-test-alice' },
  { name: 'bob', key: 'sk-test-bob' },
];

/** A config whose providers all point at the mock upstream; models may be overridden per test. */
export function testConfig(upstreamUrl: string, dir: string, overrides: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    database: { url: `sqlite:${join(dir, 'junction.db')}` },
    keys: TEST_KEYS,
    providers: {
      openai: { type: 'openai-responses', base_url: upstreamUrl, api_key: 'sk-upstream-openai' },
      xai: { type: 'openai-responses', quirks: 'xai', base_url: upstreamUrl, api_key: 'sk-upstream-xai' },
      openrouter: { type: 'chat-completions', quirks: 'openrouter', base_url: upstreamUrl, api_key: 'sk-upstream-or' },
      local: { type: 'chat-completions', base_url: upstreamUrl, api_key: '' },
    },
    models: {
      'gpt-4o': { provider: 'openai', model: 'gpt-4o' },
      'gpt-5-nano': { provider: 'openai', model: 'gpt-5-nano-2025-08-07' },
      'gpt-5-mini': { provider: 'openai', model: 'gpt-5-mini' },
      'gpt-5-codex': { provider: 'openai', model: 'gpt-5-codex' },
      'stub-model': { provider: 'openai', model: 'gpt-4o' },
      'stub-tool': { provider: 'openai', model: 'gpt-4o' },
      'grok-code-fast-1': { provider: 'xai', model: 'grok-code-fast-1', reasoning: true },
    },
    logging: { level: 'silent' },
    ...overrides,
  });
}

/** `dir` reuses a directory (kept on close unless `ownsDir`); without it a temp dir is made and removed on close. */
export async function startTestGateway(
  upstreamUrl: string,
  overrides: Record<string, unknown> = {},
  dir?: string,
  ownsDir = dir === undefined,
): Promise<TestGateway> {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'junction-test-'));
  // On PostgreSQL a restart keeps the schema: it is named in the overrides restart() passes on.
  if (testStore.kind === 'postgres' && overrides.database === undefined) overrides = { ...overrides, database: { url: await createTestDatabase() } };
  const config = testConfig(upstreamUrl, home, overrides);
  const gateway = await startGateway(config, pino({ level: 'silent' }));
  return {
    ...gateway,
    dir: home,
    config,
    async close() {
      await gateway.close();
      if (ownsDir) rmSync(home, { recursive: true, force: true });
    },
    async restart() {
      await gateway.close();
      // The restarted instance inherits the duty to remove the temp dir, so a test that restarts leaks nothing.
      return startTestGateway(upstreamUrl, overrides, home, ownsDir);
    },
  };
}

export const authHeaders = (key = TEST_KEYS[0]!.key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

export interface GatewayWithMock {
  upstream: MockUpstream;
  gateway: TestGateway;
}

/**
 * The usual test setup: a mock upstream and a gateway pointed at it, started before the file's tests and
 * stopped after them. Fields are filled in `beforeAll`; read them inside tests.
 */
export function useGatewayWithMock(overrides: Record<string, unknown> = {}): GatewayWithMock {
  const env = {} as GatewayWithMock;
  beforeAll(async () => {
    env.upstream = await startMockUpstream();
    env.gateway = await startTestGateway(env.upstream.url, overrides);
  });
  afterAll(async () => {
    await env.gateway?.close();
    await env.upstream?.close();
  });
  return env;
}
