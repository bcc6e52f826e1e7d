// Hides every configured secret (provider keys, credentials in URLs, secret headers, gateway keys) in text bound for a client or the log.
import type { Config, ProviderConfig } from '../config/config-schema.js';
import { unresolvedVariables } from '../config/expand-env.js';

export type SecretMask = (text: string) => string;

export const MASKED = '[secret]';

/** Shorter values (`none`, `x`) are placeholders, not secrets: masking them would garble ordinary words. */
const MIN_SECRET_LENGTH = 4;

const SECRET_HEADER = /auth|key|token|secret|password|cookie/i;

/** The user and password written into a URL (`https://user:pass@host`), as written and decoded. */
function urlCredentials(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  return [parsed.username, parsed.password].flatMap((part) => (part === '' ? [] : [part, safeDecode(part)]));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One provider's secrets: what its upstream may echo back. */
export function providerSecrets(provider: ProviderConfig): string[] {
  const apiKey = unresolvedVariables(provider.api_key).length === 0 ? [provider.api_key] : [];
  const headers = Object.entries(provider.headers).flatMap(([name, value]) => (SECRET_HEADER.test(name) ? [value.replace(/^bearer\s+/i, ''), value] : []));
  return [...apiKey, ...urlCredentials(provider.base_url), ...headers];
}

export function configuredSecrets(config: Config): string[] {
  return [
    ...Object.values(config.providers).flatMap(providerSecrets),
    ...config.keys.map((k) => k.key),
    ...(config.metrics.key ? [config.metrics.key] : []),
    ...urlCredentials(config.database.url),
    ...config.webhooks.flatMap((hook) => [hook.secret, ...urlCredentials(hook.url)]),
  ];
}

/** A mask for these secrets, in their plain form and as they appear inside a JSON string. */
export function createSecretMask(secrets: string[]): SecretMask {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  if (forms.size === 0) return (text) => text;
  // Longest first, so a secret that contains another is masked whole.
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, MASKED);
}

const masks = new WeakMap<Config, SecretMask>();

/** The mask of every secret in this config, built once per config. */
export function maskFor(config: Config): SecretMask {
  let mask = masks.get(config);
  if (!mask) masks.set(config, (mask = createSecretMask(configuredSecrets(config))));
  return mask;
}
