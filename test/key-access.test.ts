// Per-key allow-lists and ceilings on a real gateway: models a key may not use are 404 model_not_found (requests and GET /v1/models), and requests_per_minute / tokens_per_day hold under concurrent requests.
import OpenAI, { NotFoundError } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureReply } from './support/mock-upstream.js';
import { authHeaders, TEST_KEYS, useGatewayWithMock } from './support/test-gateway.js';

const KEYS = [
  ...TEST_KEYS,
  { name: 'narrow', key: 'sk-test-narrow', models: ['gpt-4o', 'xai'] },
  { name: 'busy', key: 'sk-test-busy', limits: { requests_per_minute: 3 } },
  { name: 'frugal', key: 'sk-test-frugal', limits: { tokens_per_day: 10 } },
];
const env = useGatewayWithMock({ keys: KEYS });
let narrow: OpenAI;

beforeAll(() => {
  narrow = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-narrow', maxRetries: 0 });
});

const create = (key: string, body: Record<string, unknown> = { model: 'gpt-4o', input: 'hi' }) =>
  fetch(`${env.gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify(body) });

describe('keys[].models', () => {
  it('lets a key use its aliases and PROVIDER/MODEL of its providers, and nothing else', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'), fixtureReply('openai/text-with-conversation.sse'));
    expect((await narrow.responses.create({ model: 'gpt-4o', input: 'hi' })).status).toBe('completed');
    expect((await narrow.responses.create({ model: 'xai/grok-4', input: 'hi' })).status).toBe('completed');
    expect(env.upstream.received.at(-1)!.json.model).toBe('grok-4');
    const received = env.upstream.received.length;

    for (const model of ['gpt-5-mini', 'openai/gpt-4o', 'grok-code-fast-1']) {
      const err = await narrow.responses.create({ model, input: 'hi' }).catch((e: unknown) => e);
      expect(err, model).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).code).toBe('model_not_found');
      expect((err as NotFoundError).param).toBe('model');
    }
    expect(env.upstream.received.length).toBe(received); // refused before upstream
  });

  it('lists only the aliases the key may use, and hides the others from retrieve', async () => {
    const ids = (await narrow.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(['gpt-4o']);
    expect((await narrow.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    const err = await narrow.models.retrieve('gpt-5-mini').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);

    const alice = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
    expect((await alice.models.list()).data.length).toBe(Object.keys(env.gateway.config.models).length);
  });
});

describe('keys[].limits', () => {
  it('requests_per_minute: of 8 concurrent requests exactly 3 go through; the rest are 429 with Retry-After', async () => {
    for (let i = 0; i < 3; i++) env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    const received = env.upstream.received.length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => create('sk-test-busy')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    for (const refused of answers.filter((a) => a.status === 429)) {
      const seconds = Number(refused.headers.get('retry-after'));
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(await refused.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded', param: null } });
    }
    expect(env.upstream.received.length).toBe(received + 3);
    // Another key's minute is its own.
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse'));
    expect((await create('sk-test-alice')).status).toBe(200);
  });

  it('tokens_per_day: a key past its tokens is refused until the next UTC day, whatever the concurrency', async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/text-with-conversation.sse')); // 24 tokens
    expect((await create('sk-test-frugal')).status).toBe(200);
    const received = env.upstream.received.length;
    const answers = await Promise.all(Array.from({ length: 4 }, () => create('sk-test-frugal', { model: 'gpt-4o', input: 'hi', stream: true })));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 429, 429]);
    const body = (await answers[0]!.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(body.error.message).toContain('used 24');
    const secondsToMidnight = 86_400 - Math.floor((Date.now() % 86_400_000) / 1000);
    expect(Math.abs(Number(answers[0]!.headers.get('retry-after')) - secondsToMidnight)).toBeLessThanOrEqual(2);
    expect(env.upstream.received.length).toBe(received);
  });
});
