// Reads the YAML config, expands ${ENV}, validates it, and fails with the path of the first bad key.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './config-schema.js';
import { expandEnv } from './expand-env.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`invalid config ${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Provider API keys are expanded lazily (see resolveApiKey), everything else at load time. */
const isProviderApiKey = (path: string) => /^providers\.[^.]+\.api_key$/.test(path);

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(file, (err as Error).message);
  }
  let expanded: unknown;
  try {
    expanded = expandEnv(raw, env, isProviderApiKey);
  } catch (err) {
    throw new ConfigError(file, (err as Error).message);
  }
  const result = configSchema.safeParse(expanded);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new ConfigError(file, `${where || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message);
  }
  return parseConfig(text, file, env);
}
