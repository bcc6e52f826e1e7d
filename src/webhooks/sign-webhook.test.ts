import { describe, expect, it } from 'vitest';
import { signWebhook, webhookKey } from './sign-webhook.js';

describe('signWebhook', () => {
  it('matches the Standard Webhooks specification’s published test vector', () => {
    const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')!;
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('webhookKey', () => {
  it('takes whsec_ secrets of 24 to 64 bytes and refuses anything else', () => {
    expect(webhookKey(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)).toHaveLength(32);
    expect(webhookKey(`whsec_${Buffer.alloc(64, 7).toString('base64')}`)).toHaveLength(64);
    for (const bad of ['', 'whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', `whsec_${Buffer.alloc(16).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_not base64!!', '${WEBHOOK_SECRET}']) {
      expect(webhookKey(bad), bad).toBeUndefined();
    }
  });
});
