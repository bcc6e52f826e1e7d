// Starts the processes under test (mock upstream, bare pass-through, the gateway, Portkey) and describes how to address each one.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MockShape } from './mock-bodies.js';
import type { RepoPaths } from './repo-paths.js';
import { freePort, spawnService, type Service } from './spawn-service.js';

export type TargetName = 'direct' | 'bare' | 'bare+store' | 'gateway' | 'portkey';

export interface BenchTarget {
  name: TargetName;
  origin: string;
  /** The process whose CPU and memory are this target's cost; null for direct (that is the mock itself). */
  pid: number | null;
  /** Where its event-loop probe answers (bench/event-loop-probe.ts); null for direct. */
  eventLoopFile: string | null;
  headers: Record<string, string>;
  /** Whether this target can reach the mock's Chat Completions shape (the gateway translates it to Responses). */
  speaksChat: boolean;
  /** The model name to send so that the mock sees `mockModel`, answering in `shape`. */
  model: (mockModel: string, shape: MockShape) => string;
  /** The path to call and the request shape to send for an upstream of `shape`. */
  route: (shape: MockShape) => { path: string; clientShape: MockShape };
}

export interface Targets {
  workDir: string;
  dbFile: string;
  mock: Service;
  list: BenchTarget[];
  /**
   * The bare pass-through that also stores every JSON answer durably (bench/bare-passthrough.ts --store): the floor
   * of durable storage, measured in scenarios a and c only.
   */
  storeFloor: BenchTarget;
  /** Why a target is missing from `list`, by name. */
  unavailable: Partial<Record<TargetName, string>>;
  stop: () => Promise<void>;
}

export interface StartOptions {
  paths: RepoPaths;
  withGateway: boolean;
  withPortkey: boolean;
  /** The gateway's debug.upstream_exchanges (keep the raw upstream request and answer per stored response). */
  upstreamExchanges: boolean;
  /** The gateway's database.synchronous (full, its default: fsync before acknowledging; normal: no fsync). */
  synchronous: 'full' | 'normal';
  /** Leave the scratch directory (config, logs, database) in place after the run. */
  keepWorkDir: boolean;
  log: (line: string) => void;
}

const passThroughRoute = (shape: MockShape): { path: string; clientShape: MockShape } =>
  shape === 'chat' ? { path: '/v1/chat/completions', clientShape: 'chat' } : { path: '/v1/responses', clientShape: 'responses' };

/** Node flags that preload the event-loop probe, and the environment that tells it where to answer. */
function probe(o: StartOptions, workDir: string, name: TargetName): { flags: string[]; env: Record<string, string>; file: string } {
  const file = join(workDir, `${name}.event-loop.json`);
  return { flags: ['--import', pathToFileURL(o.paths.eventLoopProbe).href], env: { BENCH_EVENT_LOOP_FILE: file }, file };
}

function gatewayConfig(mockOrigin: string, dbFile: string, exchanges: boolean, synchronous: 'full' | 'normal'): string {
  return [
    // upstream_exchanges defaults to true; --no-exchanges measures the gateway without the raw upstream log.
    `debug: { upstream_exchanges: ${exchanges} }`,
    'server: { host: 127.0.0.1, port: 0 }',
    `database: { url: "sqlite:${dbFile}", synchronous: ${synchronous} }`,
    'keys: []',
    'providers:',
    `  mock: { type: openai-responses, base_url: "${mockOrigin}/v1", api_key: "bench" }`,
    `  mockchat: { type: chat-completions, base_url: "${mockOrigin}/v1", api_key: "bench" }`,
    'models:',
    '  bench-model: { provider: mock, model: bench-model }',
    '',
  ].join('\n');
}

async function startGateway(o: StartOptions, workDir: string, mockOrigin: string, dbFile: string): Promise<Service> {
  if (!existsSync(o.paths.gatewayMain)) throw new Error(`${o.paths.gatewayMain} is missing: the gateway does not build yet (npx tsc -p tsconfig.build.json)`);
  const configFile = join(workDir, 'junction.yaml');
  writeFileSync(configFile, gatewayConfig(mockOrigin, dbFile, o.upstreamExchanges, o.synchronous));
  const port = await freePort();
  const p = probe(o, workDir, 'gateway');
  const extraFlags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return spawnService({
    name: 'gateway',
    args: [...p.flags, ...extraFlags, o.paths.gatewayMain, '--config', configFile, '--port', String(port)],
    port,
    readyPath: '/v1/models',
    logFile: join(workDir, 'gateway.log'),
    cwd: workDir,
    env: p.env,
  });
}

async function startPortkey(o: StartOptions, workDir: string): Promise<Service> {
  if (!existsSync(o.paths.portkeyMain)) throw new Error(`${o.paths.portkeyMain} is missing (npm ci installs @portkey-ai/gateway)`);
  const port = await freePort();
  const p = probe(o, workDir, 'portkey');
  return spawnService({
    name: 'portkey',
    args: [...p.flags, '--import', pathToFileURL(o.paths.portkeyShim).href, o.paths.portkeyMain, `--port=${port}`, '--headless'],
    port,
    readyPath: '/',
    logFile: join(workDir, 'portkey.log'),
    cwd: workDir,
    env: { NODE_ENV: 'production', ...p.env },
  });
}

export async function startTargets(o: StartOptions): Promise<Targets> {
  const workDir = mkdtempSync(join(tmpdir(), 'junction-bench-'));
  const dbFile = join(workDir, 'junction.db');
  const services: Service[] = [];
  const unavailable: Partial<Record<TargetName, string>> = {};
  const stop = async (): Promise<void> => {
    await Promise.all(services.map((s) => s.stop()));
    if (o.keepWorkDir) o.log(`scratch directory kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const mockPort = await freePort();
    const mock = await spawnService({ name: 'mock', args: [o.paths.mockScript, '--port', String(mockPort)], port: mockPort, readyPath: '/v1/models', logFile: join(workDir, 'mock.log') });
    services.push(mock);
    const barePort = await freePort();
    const bareProbe = probe(o, workDir, 'bare');
    const bare = await spawnService({
      name: 'bare',
      args: [...bareProbe.flags, o.paths.bareScript, '--port', String(barePort), '--upstream', mock.origin],
      port: barePort,
      readyPath: '/v1/models',
      logFile: join(workDir, 'bare.log'),
      env: bareProbe.env,
    });
    services.push(bare);
    const storePort = await freePort();
    const storeProbe = probe(o, workDir, 'bare+store');
    const bareStore = await spawnService({
      name: 'bare+store',
      args: [...storeProbe.flags, o.paths.bareScript, '--port', String(storePort), '--upstream', mock.origin, '--store', join(workDir, 'bare-store.db')],
      port: storePort,
      readyPath: '/v1/models',
      logFile: join(workDir, 'bare-store.log'),
      env: storeProbe.env,
    });
    services.push(bareStore);
    const storeFloor: BenchTarget = {
      name: 'bare+store',
      origin: bareStore.origin,
      pid: bareStore.pid,
      eventLoopFile: storeProbe.file,
      headers: {},
      speaksChat: true,
      model: (m) => m,
      route: passThroughRoute,
    };
    const list: BenchTarget[] = [
      { name: 'direct', origin: mock.origin, pid: null, eventLoopFile: null, headers: { authorization: 'Bearer bench' }, speaksChat: true, model: (m) => m, route: passThroughRoute },
      { name: 'bare', origin: bare.origin, pid: bare.pid, eventLoopFile: bareProbe.file, headers: {}, speaksChat: true, model: (m) => m, route: passThroughRoute },
    ];
    if (o.withGateway) {
      try {
        const gateway = await startGateway(o, workDir, mock.origin, dbFile);
        services.push(gateway);
        list.push({
          name: 'gateway',
          origin: gateway.origin,
          pid: gateway.pid,
          eventLoopFile: join(workDir, 'gateway.event-loop.json'),
          headers: {},
          speaksChat: true,
          model: (m, shape) => `${shape === 'chat' ? 'mockchat' : 'mock'}/${m}`,
          route: () => ({ path: '/v1/responses', clientShape: 'responses' }),
        });
      } catch (error) {
        unavailable.gateway = error instanceof Error ? error.message : String(error);
        o.log(`gateway unavailable: ${unavailable.gateway}`);
      }
    } else unavailable.gateway = 'not requested';
    if (o.withPortkey) {
      try {
        const portkey = await startPortkey(o, workDir);
        services.push(portkey);
        list.push({
          name: 'portkey',
          origin: portkey.origin,
          pid: portkey.pid,
          eventLoopFile: join(workDir, 'portkey.event-loop.json'),
          // Portkey routes an OpenAI-compatible call to any host named in x-portkey-custom-host (loopback is on its trusted list).
          headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.origin}/v1`, authorization: 'Bearer bench' },
          speaksChat: false,
          model: (m) => m,
          route: () => ({ path: '/v1/responses', clientShape: 'responses' }),
        });
      } catch (error) {
        unavailable.portkey = error instanceof Error ? error.message : String(error);
        o.log(`portkey unavailable: ${unavailable.portkey}`);
      }
    } else unavailable.portkey = 'not requested';
    return { workDir, dbFile, mock, list, storeFloor, unavailable, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
