// Starts one gateway process for the benchmark (a generated config pointing at the mock) and describes how to address it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, spawnService, type Service } from './spawn-service.js';
import type { BenchTarget, StartOptions, TargetName } from './start-targets.js';

/** Node flags that preload the event-loop probe, and the environment that tells it where to answer. */
export function probe(o: StartOptions, workDir: string, name: string): { flags: string[]; env: Record<string, string>; file: string } {
  const file = join(workDir, `${name}.event-loop.json`);
  return { flags: ['--import', pathToFileURL(o.paths.eventLoopProbe).href], env: { BENCH_EVENT_LOOP_FILE: file }, file };
}

/** `database` is the YAML of the config's `database:` mapping. */
function gatewayConfig(mockOrigin: string, database: string, exchanges: boolean): string {
  return [
    // upstream_exchanges defaults to true; --no-exchanges measures the gateway without the raw upstream log.
    `debug: { upstream_exchanges: ${exchanges} }`,
    'server: { host: 127.0.0.1, port: 0 }',
    `database: ${database}`,
    'keys: []',
    'providers:',
    `  mock: { type: openai-responses, base_url: "${mockOrigin}/v1", api_key: "bench" }`,
    `  mockchat: { type: chat-completions, base_url: "${mockOrigin}/v1", api_key: "bench" }`,
    'models:',
    '  bench-model: { provider: mock, model: bench-model }',
    '',
  ].join('\n');
}

/** One gateway process; `name` names its config, log and event-loop files in the scratch directory (`gateway` → junction.yaml, gateway.log). */
export async function startGateway(o: StartOptions, workDir: string, mockOrigin: string, name: string, database: string): Promise<Service> {
  if (!existsSync(o.paths.gatewayMain)) throw new Error(`${o.paths.gatewayMain} is missing: the gateway does not build yet (npx tsc -p tsconfig.build.json)`);
  const configFile = join(workDir, name === 'gateway' ? 'junction.yaml' : `${name}.yaml`);
  writeFileSync(configFile, gatewayConfig(mockOrigin, database, o.upstreamExchanges));
  const port = await freePort();
  const p = probe(o, workDir, name);
  const extraFlags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return spawnService({
    name,
    args: [...p.flags, ...extraFlags, o.paths.gatewayMain, '--config', configFile, '--port', String(port)],
    port,
    readyPath: '/v1/models',
    logFile: join(workDir, `${name}.log`),
    cwd: workDir,
    env: p.env,
  });
}

/** How the harness addresses a gateway process: every model through its providers `mock` and `mockchat`, always the Responses API. */
export function gatewayTarget(name: TargetName, service: Service, eventLoopFile: string | null): BenchTarget {
  return {
    name,
    origin: service.origin,
    pid: service.pid,
    eventLoopFile,
    headers: {},
    speaksChat: true,
    model: (m, shape) => `${shape === 'chat' ? 'mockchat' : 'mock'}/${m}`,
    route: () => ({ path: '/v1/responses', clientShape: 'responses' }),
  };
}
