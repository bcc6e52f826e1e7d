import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { addressRefusal, checkWebhookAddresses, guardedLookup } from './guard-webhook-address.js';

/** What the guarded lookup hands a socket for `localhost`, asked the way net asks with autoSelectFamily (all addresses). */
const lookUp = (endpoint: { url: string; allow_private: boolean }) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    guardedLookup(endpoint)('localhost', { all: true } as never, ((err: Error | null, all: LookupAddress[]) => (err ? reject(err) : resolve(all))) as never),
  );

describe('guardedLookup', () => {
  it('refuses to hand a private address to the socket without allow_private, so a name cannot be re-pointed there', async () => {
    await expect(lookUp({ url: 'https://localhost/hooks', allow_private: false })).rejects.toThrow(/refused to connect: localhost resolves to .*loopback or private/);
  });

  it('hands over the checked addresses with allow_private', async () => {
    const addresses = await lookUp({ url: 'http://localhost/hooks', allow_private: true });
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a.address === '127.0.0.1' || a.address === '::1')).toBe(true);
  });
});

describe('addressRefusal', () => {
  it('allows plain http only to a private address, and a private address only with allow_private', () => {
    expect(addressRefusal({ url: 'https://hooks.example/', allow_private: false }, '93.184.216.34')).toBeUndefined();
    expect(addressRefusal({ url: 'http://hooks.example/', allow_private: true }, '93.184.216.34')).toMatch(/plain http/);
    expect(addressRefusal({ url: 'https://hooks.example/', allow_private: false }, '169.254.169.254')).toMatch(/allow_private/);
    expect(addressRefusal({ url: 'http://hooks.internal/', allow_private: true }, '10.0.0.7')).toBeUndefined();
  });
});

describe('checkWebhookAddresses', () => {
  it('names the key of an endpoint whose name resolves to a private address, and only warns of one that does not resolve', async () => {
    await expect(checkWebhookAddresses([{ url: 'https://example.com/', allow_private: false }, { url: 'https://localhost/', allow_private: false }], () => undefined)).rejects.toThrow(
      /^webhooks\[1\]\.url: localhost resolves to/,
    );
    const warnings: string[] = [];
    await checkWebhookAddresses([{ url: 'https://no-such-host.invalid/', allow_private: false }], (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/^webhooks\[0\]\.url: no-such-host\.invalid does not resolve now/)]);
  });
});
