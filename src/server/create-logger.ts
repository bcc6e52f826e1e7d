// The gateway's logger: pino JSON lines (or readable ones on a terminal), with every configured secret masked in each line whatever field or message carries it.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { maskFor } from '../errors/mask-secrets.js';
import { formatLogLine } from './format-log-line.js';

/**
 * pino's `redact` removes values at known paths; a secret can also sit inside a message or an upstream's
 * error text, so the finished line is masked once, as it is written. `logging.format` picks JSON or
 * readable lines; `auto` is readable only when stdout is a terminal (a person reads it, not a collector).
 */
export function createLogger(config: Config, destination?: DestinationStream, isTerminal = process.stdout.isTTY === true): Logger {
  const mask = maskFor(config);
  const options = { level: config.logging.level, hooks: { streamWrite: mask } };
  const { format } = config.logging;
  // `auto` looks at stdout: a destination handed in (a test's capture) gets JSON unless `pretty` is asked for.
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && isTerminal);
  const out = destination ?? (pretty ? pino.destination(1) : undefined);
  if (!pretty) return out ? pino(options, out) : pino(options);
  return pino(options, { write: (line: string) => out!.write(formatLogLine(line)) });
}
