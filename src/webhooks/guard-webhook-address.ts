// Where a webhook may connect: a name is resolved once per connection and the socket goes to the address that was checked (no DNS rebinding into a private range).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { WebhookConfig } from '../config/config-schema.js';
import { isPrivateAddress } from './is-private-address.js';

type Endpoint = Pick<WebhookConfig, 'url' | 'allow_private'>;

/** Why an endpoint may not connect to this address, or undefined when it may. */
export function addressRefusal(endpoint: Endpoint, address: string): string | undefined {
  const isPrivate = isPrivateAddress(address);
  if (isPrivate && !endpoint.allow_private) return `${address} is a loopback or private address and allow_private is not set`;
  if (!isPrivate && new URL(endpoint.url).protocol === 'http:') return `${address} is a public address: plain http is only for loopback or private ones`;
  return undefined;
}

/**
 * The `lookup` a webhook's sockets connect with: it resolves the name, keeps the addresses the endpoint may
 * reach, and hands those (and only those) to the socket, so the address checked is the address connected to.
 */
export function guardedLookup(endpoint: Endpoint): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => addressRefusal(endpoint, a.address) === undefined);
      if (allowed.length === 0) {
        const refusal = addressRefusal(endpoint, addresses[0]?.address ?? hostname) ?? `${hostname} has no address`;
        return callback(Object.assign(new Error(`refused to connect: ${hostname} resolves to ${refusal}`), { code: 'WEBHOOK_ADDRESS_REFUSED' }), '', 0);
      }
      // net asks for every address when it may try several (autoSelectFamily), else for one.
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/**
 * At start: every endpoint named by a host name is resolved, and one that reaches a private address
 * without allow_private stops the start with the key's path. A name that does not resolve now is only
 * warned about (DNS may come back); each attempt checks again anyway.
 */
export async function checkWebhookAddresses(webhooks: Endpoint[], warn: (message: string) => void): Promise<void> {
  for (const [i, endpoint] of webhooks.entries()) {
    const { hostname } = new URL(endpoint.url);
    let addresses: LookupAddress[];
    try {
      addresses = await new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, all) => (err ? reject(err) : resolve(all))));
    } catch (err) {
      warn(`webhooks[${i}].url: ${hostname} does not resolve now (${(err as Error).message}); deliveries to it are retried`);
      continue;
    }
    const refusals = addresses.map((a) => addressRefusal(endpoint, a.address)).filter((r) => r !== undefined);
    if (refusals.length > 0) throw new Error(`webhooks[${i}].url: ${hostname} resolves to ${refusals[0]}`);
  }
}
