// Starts a gateway whose log lines (JSON, as an operator sees them) are kept for a test to read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/config-schema.js';
import { createLogger } from '../../src/server/create-logger.js';
import { startGateway, type RunningGateway } from '../../src/server/start-gateway.js';
import { testConfig } from './test-gateway.js';

export interface LoggedGateway extends RunningGateway {
  config: Config;
  /** Every line written so far, as written (secrets already masked). */
  lines: string[];
  /** The parsed lines, for field checks. */
  entries(): Record<string, unknown>[];
}

export async function startLoggedGateway(upstreamUrl: string, overrides: Record<string, unknown> = {}): Promise<LoggedGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'junction-log-'));
  // Tests here count the lines a failure writes; the access log (a line per request) is asked for by the tests that read it.
  const config = testConfig(upstreamUrl, dir, { logging: { level: 'info', access_log: false }, ...overrides });
  const lines: string[] = [];
  const gateway = await startGateway(config, createLogger(config, { write: (line: string) => void lines.push(line) }));
  return {
    ...gateway,
    config,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
