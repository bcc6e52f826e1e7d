// A run with the real provider, store and mock upstream: how a stream's batches are cut.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureReply, startMockUpstream, type MockUpstream } from '../../test/support/mock-upstream.js';
import { testConfig } from '../../test/support/test-gateway.js';
import { readSseFixture } from '../../test/support/read-sse-fixture.js';
import { createProviders } from '../providers/create-providers.js';
import { openStore } from '../store/open-store.js';
import type { ResponseStore } from '../store/response-store.js';
import { planResponse, type PipelineDeps } from '../pipeline/run-response.js';
import { RunRegistry } from './run-registry.js';

let upstream: MockUpstream;
let store: ResponseStore;
let deps: PipelineDeps;
let dir: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), 'junction-run-'));
  const config = testConfig(upstream.url, dir);
  store = await openStore(config.database);
  deps = { config, store, providers: createProviders(config), logger: pino({ level: 'silent' }) };
});

afterAll(async () => {
  await Promise.all([...deps.providers.values()].map((p) => p.close()));
  await store.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ResponseRun', () => {
  it('emits the first output at once and the rest of its upstream chunk in a later batch', async () => {
    // The whole recording arrives as one chunk: one upstream batch.
    const fixture = 'openai/text-with-conversation.sse';
    upstream.reply('/v1/responses', fixtureReply(fixture));
    const plan = await planResponse(deps, 'alice', { model: 'gpt-4o', input: 'hi', stream: true });
    const batches: string[][] = [];
    const run = await new RunRegistry(deps, { maxConcurrent: 1, holdMs: 0, maxLogChars: Infinity, instance: 'test', leaseMs: 30_000, pollMs: 250 }).start(plan, 'stream');
    run.subscribe({ push: (events) => (batches.push(events.map((e) => e.type)), true), abandon: () => undefined });
    await run.ended;

    const recorded = readSseFixture(fixture).map((e) => (JSON.parse(e.data) as { type: string }).type);
    const firstOutput = recorded.findIndex((type) => !['response.created', 'response.in_progress'].includes(type));
    expect(batches[0]).toEqual(recorded.slice(0, firstOutput + 1));
    expect(batches.flat()).toEqual(recorded);
    expect(batches.length).toBe(2);
  });
});
