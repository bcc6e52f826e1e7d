// Starts the processes under test (mock upstream, bare pass-through, the gateway, Portkey, and with --postgres the gateways on PostgreSQL) and describes how to address each one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MockShape } from './mock-bodies.js';
import type { RepoPaths } from './repo-paths.js';
import { freePort, spawnService, type Service } from './spawn-service.js';
import { gatewayTarget, probe, startGateway } from './start-gateway.js';
import { startPostgresTargets, type PostgresTargets } from './start-postgres-targets.js';

export type TargetName = 'direct' | 'bare' | 'bare+store' | 'gateway' | 'portkey' | 'gateway+pg' | 'gateway+pg×2';

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
  /** Further instances of the same service (two gateways on one PostgreSQL): requests go round robin over all, and their CPU is this target's too. */
  moreInstances?: Array<{ origin: string; pid: number }>;
  /** The database server it stores in, when that is a process of its own: its CPU is read beside the target's, never in it. */
  storeServer?: { readCpuMicros: () => number };
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
  /** The gateway on PostgreSQL, one instance and two (`--postgres`; scenarios a and c only), and its server's CPU. */
  postgres?: PostgresTargets;
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
  /** Also start a PostgreSQL server and the gateways on it (bench/start-postgres-targets.ts). */
  postgres: boolean;
  /** Leave the scratch directory (config, logs, database) in place after the run. */
  keepWorkDir: boolean;
  log: (line: string) => void;
}

const passThroughRoute = (shape: MockShape): { path: string; clientShape: MockShape } =>
  shape === 'chat' ? { path: '/v1/chat/completions', clientShape: 'chat' } : { path: '/v1/responses', clientShape: 'responses' };

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
  let postgres: PostgresTargets | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([...services.map((s) => s.stop()), postgres?.stop()]);
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
        const gateway = await startGateway(o, workDir, mock.origin, 'gateway', `{ url: "sqlite:${dbFile}", synchronous: ${o.synchronous} }`);
        services.push(gateway);
        list.push(gatewayTarget('gateway', gateway, join(workDir, 'gateway.event-loop.json')));
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
    if (o.postgres) {
      try {
        postgres = await startPostgresTargets(o, workDir, mock.origin);
      } catch (error) {
        unavailable['gateway+pg'] = error instanceof Error ? error.message : String(error);
        o.log(`gateway on PostgreSQL unavailable: ${unavailable['gateway+pg']}`);
      }
    }
    return { workDir, dbFile, mock, list, storeFloor, ...(postgres === undefined ? {} : { postgres }), unavailable, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
