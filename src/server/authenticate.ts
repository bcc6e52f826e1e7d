// Middleware factory: finds the caller's key by hash in constant time; the key's name owns everything it creates.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { unauthorized } from '../errors/gateway-error.js';

export interface AuthVariables {
  owner: string;
}

/** The owner of all state when no keys are configured (the gateway then only listens on loopback). */
export const ANONYMOUS_OWNER = 'anonymous';

const digest = (key: string) => createHash('sha256').update(key).digest();

export function authenticate(keys: { name: string; key: string }[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  // Only hashes stay in memory; comparing fixed-length digests leaks neither length nor prefix.
  const hashed = keys.map((k) => ({ name: k.name, hash: digest(k.key) }));
  return async function authenticateRequest(c, next) {
    if (hashed.length === 0) {
      c.set('owner', ANONYMOUS_OWNER);
      return next();
    }
    // The scheme is case-insensitive (RFC 9110 §11.1): some HTTP clients send `bearer`.
    const presented = /^bearer\s+(.*)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? '';
    if (presented === '') throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    const candidate = digest(presented);
    let owner: string | undefined;
    for (const key of hashed) if (timingSafeEqual(candidate, key.hash)) owner ??= key.name;
    if (!owner) throw unauthorized('Incorrect API key provided.');
    c.set('owner', owner);
    return next();
  };
}
