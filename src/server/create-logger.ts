// The gateway's logger: pino JSON lines, with every configured secret masked in each line whatever field or message carries it.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { maskFor } from '../errors/mask-secrets.js';

/**
 * pino's `redact` removes values at known paths; a secret can also sit inside a message or an upstream's
 * error text, so the finished line is masked once, as it is written.
 */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const mask = maskFor(config);
  const options = { level: config.logging.level, hooks: { streamWrite: mask } };
  return destination ? pino(options, destination) : pino(options);
}
