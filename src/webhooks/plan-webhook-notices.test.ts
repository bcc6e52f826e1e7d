import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/config-schema.js';
import type { ResponseRecord } from '../store/response-store.js';
import { planWebhookNotices } from './plan-webhook-notices.js';

const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const { webhooks } = configSchema.parse({
  keys: [
    { name: 'alice', key: 'sk-a' },
    { name: 'bob', key: 'sk-b' },
  ],
  webhooks: [
    { url: 'https://hooks.example/every-background', secret },
    { url: 'https://hooks.example/bob-completed', secret, for: 'all', keys: ['bob'], events: ['response.completed'] },
  ],
});

function record(owner: string, status: string, background: boolean): ResponseRecord {
  const response = { id: 'resp_1', object: 'response', created_at: 1, status, model: 'm', background, output: [] } as unknown as ResponseRecord['response'];
  return { owner, provider: 'openai', upstreamId: null, previousResponseId: null, response, input: [] };
}

const endpointsFor = (owner: string, status: string, background: boolean) =>
  planWebhookNotices(webhooks, record(owner, status, background), 1_800_000_000_000).map((notice) => notice.endpoint.split('/').at(-1));

describe('planWebhookNotices', () => {
  it('notifies background ends by default, foreground ones only for `for: all`, filtered by key and event', () => {
    expect(endpointsFor('alice', 'completed', true)).toEqual(['every-background']);
    expect(endpointsFor('alice', 'completed', false)).toEqual([]);
    expect(endpointsFor('bob', 'completed', false)).toEqual(['bob-completed']);
    expect(endpointsFor('bob', 'failed', false)).toEqual([]);
    expect(endpointsFor('bob', 'cancelled', true)).toEqual(['every-background']);
    expect(endpointsFor('bob', 'incomplete', true)).toEqual(['every-background']);
    expect(endpointsFor('bob', 'completed', true)).toEqual(['every-background', 'bob-completed']);
  });

  it('says nothing of a response that has not ended', () => {
    expect(endpointsFor('bob', 'in_progress', true)).toEqual([]);
    expect(endpointsFor('bob', 'queued', true)).toEqual([]);
  });

  it('gives every endpoint the same event, in OpenAI’s payload shape', () => {
    const notices = planWebhookNotices(webhooks, record('bob', 'completed', true), 1_800_000_000_123);
    expect(new Set(notices.map((n) => n.eventId)).size).toBe(1);
    expect(notices[0]!.eventId).toMatch(/^evt_[0-9a-f]{48}$/);
    expect(JSON.parse(notices[0]!.payload)).toEqual({ id: notices[0]!.eventId, object: 'event', created_at: 1_800_000_000, type: 'response.completed', data: { id: 'resp_1' } });
  });
});
