// The configuration: ${ENV} expansion, errors that name the bad key, the shipped config.yaml, the loopback rule, the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/config/load-config.js';
import { startGateway } from '../src/server/start-gateway.js';
import { buildCli, type BuiltCli } from './support/build-cli.js';

const repoRoot = resolve(import.meta.dirname, '..');
const PROVIDER = 'providers: { openai: { type: openai-responses, base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}" } }';

/** The message parseConfig fails with (fails the test if it parses). */
function failure(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'junction-config-'));
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('${ENV} expansion', () => {
  it('expands ${VAR} and ${VAR:-default} anywhere in a value', () => {
    const config = parseConfig(
      `
server: { host: "\${HOST:-127.0.0.1}" }
database: { url: "sqlite:\${DATA_DIR}/junction.db" }
keys: [{ name: ci, key: "\${GATEWAY_KEY}" }]
${PROVIDER}
`,
      'test.yaml',
      { DATA_DIR: '/var/lib/junction', GATEWAY_KEY: 'sk-gw', OPENAI_API_KEY: 'sk-openai' },
    );
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.database.url).toBe('sqlite:/var/lib/junction/junction.db');
    expect(config.keys).toEqual([{ name: 'ci', key: 'sk-gw' }]);
    expect(config.providers.openai!.api_key).toBe('sk-openai');
  });

  it('prefers the variable over the default, and an empty default is an empty value', () => {
    const text = 'server: { host: "${HOST:-127.0.0.1}" }\nkeys: [{ name: a, key: "${K:-}" }]';
    expect(parseConfig(text, 'test.yaml', { HOST: '::1' }).server.host).toBe('::1');
    expect(parseConfig(text, 'test.yaml', {}).keys).toEqual([]);
  });

  it('takes numbers and booleans from variables too', () => {
    const config = parseConfig(
      'server:\n  port: ${PORT:-4000}\nlimits:\n  max_output_tokens: ${MAX_OUT}\ndebug:\n  upstream_exchanges: ${KEEP:-false}\n',
      'test.yaml',
      { MAX_OUT: '2048' },
    );
    expect(config.server.port).toBe(4000);
    expect(config.limits.max_output_tokens).toBe(2048);
    expect(config.debug.upstream_exchanges).toBe(false);
    expect(failure('server:\n  port: ${PORT}\n', { PORT: 'eighty' })).toMatch(/server\.port/);
  });

  it('a missing variable without a default is an error naming it and where it is used', () => {
    const message = failure('database: { url: "sqlite:${DATA_DIR}/junction.db" }');
    expect(message).toContain('DATA_DIR');
    expect(message).toContain('database.url');
    expect(failure('keys: [{ name: a, key: "${GATEWAY_KEY}" }]')).toMatch(/GATEWAY_KEY.*keys\[0\]\.key/);
  });

  it('a provider api_key waiting for an unset variable is kept as is, for a clear error when used', () => {
    const config = parseConfig(PROVIDER, 'test.yaml', {});
    expect(config.providers.openai!.api_key).toBe('${OPENAI_API_KEY}');
  });
});

describe('validation names the bad key', () => {
  it.each([
    { name: 'a bad URL', text: 'providers: { openai: { type: openai-responses, base_url: not-a-url } }', path: 'providers.openai.base_url' },
    { name: 'an unknown provider type', text: 'providers: { openai: { type: grpc, base_url: "http://x" } }', path: 'providers.openai.type' },
    { name: 'a port out of range', text: 'server: { port: 70000 }', path: 'server.port' },
    { name: 'a misspelt key', text: 'server: { hots: 0.0.0.0 }', path: 'hots' },
    { name: 'an unknown top-level key', text: 'modles: {}', path: 'modles' },
    { name: 'a model of an unknown provider', text: `${PROVIDER}\nmodels: { fast: { provider: nope, model: x } }`, path: 'models.fast.provider' },
    { name: 'a target of an unknown provider', text: `${PROVIDER}\nmodels: { fast: { targets: [{ provider: openai, model: x }, { provider: nope, model: y }] } }`, path: 'models.fast.targets[1].provider' },
    { name: 'targets beside provider', text: `${PROVIDER}\nmodels: { fast: { provider: openai, model: x, targets: [{ provider: openai, model: y }] } }`, path: 'models.fast.targets' },
    { name: 'a model without provider or targets', text: `${PROVIDER}\nmodels: { fast: { model: x } }`, path: 'models.fast.provider' },
    { name: 'a negative retry count', text: 'routing: { retries: -1 }', path: 'routing.retries' },
    { name: 'a model routing override', text: `${PROVIDER}\nmodels: { fast: { provider: openai, model: x, routing: { cooldown: { secs: 1 } } } }`, path: 'models.fast.routing.cooldown' },
    { name: 'a drop path', text: `${PROVIDER}\nmodels: { fast: { provider: openai, model: x, drop: ['reasoning effort'] } }`, path: 'models.fast.drop[0]' },
    { name: 'a duplicate key name', text: 'keys: [{ name: a, key: x }, { name: a, key: y }]', path: 'keys[1].name' },
    { name: 'a logging level', text: 'logging: { level: loud }', path: 'logging.level' },
    { name: 'a logging format', text: 'logging: { format: xml }', path: 'logging.format' },
    { name: "a key's model that is neither alias nor provider", text: `${PROVIDER}\nkeys: [{ name: a, key: x, models: [openai, gpt-9] }]`, path: 'keys[0].models[1]' },
    { name: "a key's limit that is not a positive integer", text: 'keys: [{ name: a, key: x, limits: { requests_per_minute: 0 } }]', path: 'keys[0].limits.requests_per_minute' },
    { name: 'an unknown metrics key', text: 'metrics: { token: x }', path: 'metrics' },
  ])('$name fails with $path', ({ text, path }) => {
    const message = failure(text, { OPENAI_API_KEY: 'k' });
    expect(message).toContain('test.yaml');
    expect(message).toContain(path);
  });

  it('names the unknown provider and the configured ones', () => {
    expect(failure(`${PROVIDER}\nmodels: { fast: { provider: nope, model: x } }`)).toMatch(/"nope".*openai/);
  });

  it('refuses YAML that does not parse, and a file that does not exist', () => {
    expect(failure('server: [')).toContain('test.yaml');
    expect(() => loadConfig(join(home, 'missing.yaml'))).toThrow(/missing\.yaml: file not found/);
  });

  it('drops empty keys and keeps the rest', () => {
    const config = parseConfig('keys: [{ name: a, key: "" }, { name: b, key: sk-b }, { name: c, key: "${C:-}" }]', 'test.yaml', {});
    expect(config.keys).toEqual([{ name: 'b', key: 'sk-b' }]);
  });
});

describe('retention', () => {
  it('keeps everything by default; days may come from variables; a day count that is not positive names its key', () => {
    expect(parseConfig('', 'test.yaml', {}).retention).toEqual({});
    const config = parseConfig('retention:\n  responses_days: ${DAYS}\n  conversations_days: 0.5\n', 'test.yaml', { DAYS: '30' });
    expect(config.retention).toEqual({ responses_days: 30, conversations_days: 0.5 });
    expect(failure('retention: { responses_days: 0 }')).toMatch(/retention\.responses_days/);
    expect(failure('retention: { conversations_days: forever }')).toMatch(/retention\.conversations_days/);
    expect(failure('retention: { days: 3 }')).toMatch(/retention/);
  });
});

describe('the shipped config.yaml', () => {
  it('parses with an empty environment: no keys, providers waiting for their variables', () => {
    const config = loadConfig(join(repoRoot, 'config.yaml'), {});
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 4000, heartbeat_s: 15, shutdown_grace_s: 10 });
    expect(config.background).toEqual({ max_concurrent: 32, max_event_log_mb: 32, lease_s: 30, poll_ms: 250 });
    expect(config.database.url).toBe('sqlite:./data/junction.db');
    expect(config.keys).toEqual([]);
    expect(config.providers.openai).toMatchObject({ type: 'openai-responses', api_key: '${OPENAI_API_KEY}' });
    expect(config.providers.xai).toMatchObject({ quirks: 'xai', api_key: '${XAI_API_KEY}' });
    expect(config.models['gpt-5-nano']).toEqual({ provider: 'openai', model: 'gpt-5-nano-2025-08-07', defaults: { reasoning: { effort: 'medium', summary: 'auto' } } });
    expect(config.models['grok-code-fast-1']!.drop).toEqual(['reasoning.effort']);
    expect(config.routing).toEqual({ retries: 0, backoff_ms: 500, max_retry_after_s: 30, cooldown: { failures: 3, seconds: 30 } });
    expect(config.retention).toEqual({});
  });

  it('takes the key from JUNCTION_API_KEY', () => {
    expect(loadConfig(join(repoRoot, 'config.yaml'), { JUNCTION_API_KEY: 'sk-local' }).keys).toEqual([{ name: 'local', key: 'sk-local' }]);
  });
});

describe('startGateway', () => {
  it('refuses to listen beyond loopback with no keys, and says so', async () => {
    const config = parseConfig(`server: { host: 0.0.0.0, port: 0 }\ndatabase: { url: "sqlite:${join(home, 'refused.db')}" }`, 'test.yaml', {});
    await expect(startGateway(config, pino({ level: 'silent' }))).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 with no API keys/);
  });

  it('listens beyond loopback once a key is configured', async () => {
    const config = parseConfig(
      `server: { host: 0.0.0.0, port: 0 }\ndatabase: { url: "sqlite:${join(home, 'open.db')}" }\nkeys: [{ name: a, key: sk-a }]`,
      'test.yaml',
      {},
    );
    const gateway = await startGateway(config, pino({ level: 'silent' }));
    try {
      const res = await fetch(`http://127.0.0.1:${gateway.port}/v1/models`, { headers: { authorization: 'Bearer sk-a' } });
      expect(res.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('the CLI (node src/main.js, transpiled)', () => {
  let cli: BuiltCli;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    cli = buildCli();
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    cli?.remove();
  });

  /** Starts the CLI; resolves with its URL once it listens, or with its exit code and stderr if it stops first. */
  function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = home) {
    const child = spawn(process.execPath, [cli.main, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((done) => child.once('close', (code) => done({ code, stderr, stdout })));
    const started = new Promise<{ url: string } | { code: number | null; stderr: string }>((done) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const url = /junction listening on (http:\/\/[^"\s]+)/.exec(stdout)?.[1];
        if (url) done({ url });
      });
      void exited.then(done);
    });
    return { child, started, exited };
  }

  function writeConfig(name: string, text: string): string {
    const file = join(home, name);
    writeFileSync(file, text);
    return file;
  }

  const goodConfig = () =>
    writeConfig(
      'cli.yaml',
      `server: { host: 127.0.0.1, port: 4000 }\ndatabase: { url: "sqlite:${join(home, 'cli.db')}" }\nkeys: [{ name: a, key: sk-cli }]\n${PROVIDER}\nmodels: { gpt-4o: { provider: openai, model: gpt-4o } }\nlogging: { level: info }\n`,
    );

  it('--config FILE --port 0 serves, and SIGTERM stops it cleanly', async () => {
    const { child, started, exited } = run(['--config', goodConfig(), '--port', '0']);
    const result = await started;
    expect(result).toHaveProperty('url');
    const { url } = result as { url: string };
    expect(url).not.toMatch(/:4000$/);
    const models = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-cli' } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['gpt-4o']);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('JUNCTION_CONFIG and PORT do the same', async () => {
    const { child, started, exited } = run([], { JUNCTION_CONFIG: goodConfig(), PORT: '0' });
    const result = await started;
    expect(result).toHaveProperty('url');
    expect((await fetch(`${(result as { url: string }).url}/v1/models`, { headers: { authorization: 'Bearer sk-cli' } })).status).toBe(200);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('the shipped config.yaml starts with no environment, and a provider without its key answers an error naming the variable', async () => {
    const { child, started, exited } = run(['--config', join(repoRoot, 'config.yaml'), '--port', '0']);
    const result = await started;
    expect(result).toHaveProperty('url');
    const res = await fetch(`${(result as { url: string }).url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-nano', input: 'hi' }),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(500);
    expect(body.error.message).toMatch(/"openai".*OPENAI_API_KEY/);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
    // The database went where the config says, relative to the working directory.
    expect(() => readFileSync(join(home, 'data', 'junction.db'))).not.toThrow();
  });

  it.each([
    { name: 'a bad key', text: 'providers: { openai: { type: openai-responses, base_url: nope } }', args: [] as string[], expected: /providers\.openai\.base_url/ },
    { name: 'a missing variable', text: 'database: { url: "${NO_SUCH_DB_URL}" }', args: [], expected: /NO_SUCH_DB_URL/ },
    { name: 'a bad --port', text: 'server: { port: 0 }', args: ['--port', 'http'], expected: /--port\/PORT: "http"/ },
    { name: 'no keys on a public host', text: 'server: { host: 0.0.0.0, port: 0 }', args: [], expected: /refusing to listen on 0\.0\.0\.0/ },
  ])('exits non-zero on $name, saying why on stderr', async ({ name, text, args, expected }) => {
    const full = text.startsWith('database:') ? text : `database: { url: "sqlite:${join(home, 'bad.db')}" }\n${text}`;
    const file = writeConfig(`bad-${name.replace(/\W+/g, '-')}.yaml`, `${full}\n`);
    const { started } = run(['--config', file, ...args]);
    const result = (await started) as { code: number | null; stderr: string };
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
  });

  it('exits non-zero naming a config file that does not exist', async () => {
    const result = (await run(['--config', join(home, 'nope.yaml')]).started) as { code: number | null; stderr: string };
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.yaml: file not found');
  });
});
