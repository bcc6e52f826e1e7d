// Routing events (reported by runs/attempt-upstream.ts) as counters, and the webhook outbox gauge, read at scrape time.
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './gateway-metrics.js';

describe('createGatewayMetrics', () => {
  it('counts retries, fallbacks, cooldowns and cooldown skips by target', async () => {
    const metrics = createGatewayMetrics();
    const responseId = 'resp_1';
    metrics.routing({ type: 'retry', responseId, provider: 'openai', model: 'gpt-4o', attempt: 1, delayMs: 200, askedMs: undefined, code: 'rate_limit_exceeded' });
    metrics.routing({ type: 'retry', responseId, provider: 'openai', model: 'gpt-4o', attempt: 2, delayMs: 400, askedMs: 400, code: 'rate_limit_exceeded' });
    metrics.routing({ type: 'fallback', responseId, from: { provider: 'openai', model: 'gpt-4o' }, to: { provider: 'xai', model: 'grok-4' }, code: 'server_error' });
    metrics.routing({ type: 'cooldown', responseId, provider: 'openai', model: 'gpt-4o', seconds: 30 });
    metrics.routing({ type: 'skip', responseId, provider: 'openai', model: 'gpt-4o' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('junction_retries_total{provider="openai",model="gpt-4o"} 2');
    expect(text).toContain('junction_fallbacks_total{from_provider="openai",to_provider="xai"} 1');
    expect(text).toContain('junction_cooldowns_total{provider="openai",model="gpt-4o"} 1');
    expect(text).toContain('junction_cooldown_skips_total{provider="openai",model="gpt-4o"} 1');
  });

  it('reads the webhook outbox when scraped', async () => {
    let stats = { pending: 3, failed: 1, nextAttemptAt: null };
    const metrics = createGatewayMetrics(async () => stats);
    expect(await metrics.registry.metrics()).toContain('junction_webhook_deliveries{state="pending"} 3');
    stats = { pending: 0, failed: 2, nextAttemptAt: null };
    const text = await metrics.registry.metrics();
    expect(text).toContain('junction_webhook_deliveries{state="pending"} 0');
    expect(text).toContain('junction_webhook_deliveries{state="failed"} 2');
  });
});
