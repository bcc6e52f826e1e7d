// Retention with an injected clock: expired responses and conversations are deleted in batches that let requests through, by a cleaner the gateway starts and stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type RunningGateway } from '../src/server/start-gateway.js';
import { openStore } from '../src/store/open-store.js';
import type { ResponseStore } from '../src/store/response-store.js';
import { startRetentionCleaner } from '../src/store/start-retention-cleaner.js';
import { errorOf } from './support/sdk-error-of.js';
import { fixtureReply, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { testConfig } from './support/test-gateway.js';

const DAY = 86_400;
const T0 = 1_800_000_000;
const silent = pino({ level: 'silent' });

function saved(id: string, createdAt: number) {
  return {
    owner: 'alice',
    provider: 'openai',
    upstreamId: null,
    previousResponseId: null,
    response: { id, object: 'response' as const, created_at: createdAt, status: 'completed' as const, model: 'm', output: [], usage: null, error: null, incomplete_details: null },
    input: [{ id: `in_${id}`, item: { type: 'message', role: 'user', content: 'hi' }, provider: null }],
  };
}

describe('the retention cleaner (injected clock, real SQLite store)', () => {
  let dir: string;
  let store: ResponseStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-retention-'));
    store = await openStore({ url: `sqlite:${join(dir, 'junction.db')}`, synchronous: 'normal' });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes only what is past its days, a batch per turn of the event loop, while other work goes on between batches', async () => {
    for (let i = 0; i < 7; i++) await store.saveResponse(saved(`resp_old${i}`, T0));
    await store.saveResponse(saved('resp_young', T0 + 20 * DAY));
    await store.createConversation('alice', { id: 'conv_idle', object: 'conversation', created_at: T0, metadata: {} }, []);
    await store.createConversation('alice', { id: 'conv_busy', object: 'conversation', created_at: T0, metadata: {} }, []);
    await store.addConversationItems('alice', 'conv_busy', [{ id: 'c_1', item: { type: 'message', role: 'user', content: 'still here' }, provider: null }], T0 + 25 * DAY);

    const order: string[] = [];
    const batches: Pick<ResponseStore, 'deleteExpired'> = {
      deleteExpired: async (cutoffs, limit) => {
        order.push('batch');
        return store.deleteExpired(cutoffs, limit);
      },
    };
    let clock = T0 + 10 * DAY;
    const cleaner = startRetentionCleaner({ store: batches, retention: { responses_days: 15, conversations_days: 15 }, logger: silent, now: () => clock, intervalMs: 3_600_000, batchSize: 2 });
    try {
      // Ten days on, nothing is fifteen days old.
      expect(await cleaner.sweep()).toEqual({ responses: 0, conversations: 0 });
      expect(await store.getResponse('alice', 'resp_old0')).toBeDefined();

      clock = T0 + 30 * DAY;
      let sweeping = true;
      const requests = (async () => {
        while (sweeping) {
          order.push('request');
          await store.getResponse('alice', 'resp_young');
          await nextTurn();
        }
      })();
      const deleted = await cleaner.sweep();
      sweeping = false;
      await requests;

      expect(deleted).toEqual({ responses: 7, conversations: 1 });
      const sweepOrder = order.slice(order.indexOf('request'));
      expect(sweepOrder.filter((step) => step === 'batch')).toHaveLength(4);
      // Never two batches back to back: requests were served in between.
      expect(sweepOrder.join(' ')).not.toContain('batch batch');
      expect(await store.getResponse('alice', 'resp_old6')).toBeUndefined();
      expect(await store.getResponse('alice', 'resp_young')).toBeDefined();
      expect(await store.getConversation('alice', 'conv_idle')).toBeUndefined();
      expect(await store.getConversation('alice', 'conv_busy')).toBeDefined();
    } finally {
      await cleaner.stop();
    }
  });

  it('does nothing when no retention is configured (the default: keep)', async () => {
    await store.saveResponse(saved('resp_ancient', 1));
    const cleaner = startRetentionCleaner({ store, retention: {}, logger: silent, now: () => T0 * 2 });
    expect(await cleaner.sweep()).toEqual({ responses: 0, conversations: 0 });
    await cleaner.stop();
    expect(await store.getResponse('alice', 'resp_ancient')).toBeDefined();
  });
});

describe('retention in a running gateway', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;
  let dir: string;
  let clock = Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    upstream = await startMockUpstream();
    dir = mkdtempSync(join(tmpdir(), 'junction-retention-gw-'));
    const config = testConfig(upstream.url, dir, { retention: { responses_days: 1, conversations_days: 2 } });
    gateway = await startGateway(config, silent, { now: () => clock, retentionIntervalMs: 20 });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes a response a day old and a conversation two days idle, keeping what the response appended until then', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
    const conversation = await client.conversations.create();
    upstream.reply('/v1/responses', fixtureReply('openai/response-in-conversation.json'));
    const response = await client.responses.create({ model: 'gpt-4o', input: 'remember', conversation: conversation.id });

    clock += DAY + 60;
    await vi.waitFor(async () => expect((await errorOf(() => client.responses.retrieve(response.id))).status).toBe(404));
    expect((await client.conversations.items.list(conversation.id)).data).toHaveLength(2);

    clock += DAY;
    await vi.waitFor(async () => expect((await errorOf(() => client.conversations.retrieve(conversation.id))).status).toBe(404));
  });
});
