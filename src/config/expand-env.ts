// Expands ${VAR} and ${VAR:-default} in every string of a parsed config, naming the path of what is missing.

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

export class MissingEnvError extends Error {
  constructor(
    readonly variable: string,
    readonly path: string,
  ) {
    super(`environment variable ${variable} is not set (used at ${path}); set it or give a default as \${${variable}:-default}`);
  }
}

/**
 * A missing variable is an error unless `lenient(path)` says that value may stay unresolved: provider
 * API keys are resolved lazily, so that a gateway starts without every provider's key and says which
 * variable is missing only when that provider is used.
 */
export function expandEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  lenient: (path: string) => boolean = () => false,
  path = '',
): unknown {
  if (typeof value === 'string') return expandString(value, env, path, lenient(path));
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, lenient, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, lenient, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv, path: string, lenient: boolean): string {
  return text.replace(PATTERN, (whole, name: string, hasDefault: string | undefined, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (hasDefault !== undefined) return fallback ?? '';
    if (lenient) return whole;
    throw new MissingEnvError(name, path);
  });
}

/** The variables a still-unresolved value waits for (used to name them when a provider is used). */
export function unresolvedVariables(text: string): string[] {
  return [...text.matchAll(PATTERN)].map((m) => m[1]!);
}
