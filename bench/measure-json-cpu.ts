// `node dist/bench/measure-json-cpu.js [--build DIR]…`: the gateway's own CPU per non-streaming JSON request (scenario a's shape), of one or several builds measured in alternation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { closePools, driveLoad } from './drive-load.js';
import type { LoadJob } from './load-types.js';
import { mockModelName } from './mock-profile.js';
import { clockTicksPerSecond } from './proc-stats.js';
import { repoPaths } from './repo-paths.js';
import { responsesBody } from './request-bodies.js';
import { freePort, spawnService, type Service } from './spawn-service.js';
import { median } from './summarize-samples.js';

/** A build's directory, and config lines added to the bench's (`--build 'DIR|logging: { access_log: false }'`). */
interface Build {
  dir: string;
  extra: string;
}

interface Options {
  builds: Build[];
  requests: number;
  warmup: number;
  concurrency: number;
  rounds: number;
  exchanges: boolean;
  /** Leave the scratch directory (configs, gateway logs, databases) in place. */
  keep: boolean;
}

interface Sample {
  cpu: number;
  user: number;
  throughput: number;
}

function readBuild(arg: string): Build {
  const bar = arg.indexOf('|');
  return bar < 0 ? { dir: resolve(arg), extra: '' } : { dir: resolve(arg.slice(0, bar)), extra: arg.slice(bar + 1) };
}

function readOptions(argv: string[]): Options {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const builds = argv.flatMap((arg, i) => (arg === '--build' && argv[i + 1] !== undefined ? [readBuild(argv[i + 1] as string)] : []));
  return {
    builds: builds.length > 0 ? builds : [{ dir: repoPaths().root, extra: '' }],
    // Short rounds, many of them: on a shared host the load drifts, and a difference taken within a round is steadier.
    requests: value('--requests', 4_000),
    warmup: value('--warmup', 3_000),
    // Scenario a's saturation: 50 clients, the mock answering at once.
    concurrency: value('--concurrency', 50),
    rounds: value('--rounds', 10),
    exchanges: !argv.includes('--no-exchanges'),
    keep: argv.includes('--keep'),
  };
}

/** The bench's gateway config (bench/start-targets.ts), with the mock as an openai-responses provider. */
function gatewayConfig(mockOrigin: string, dbFile: string, exchanges: boolean, extra: string): string {
  return [
    `debug: { upstream_exchanges: ${exchanges} }`,
    'server: { host: 127.0.0.1, port: 0 }',
    `database: { url: "sqlite:${dbFile}", synchronous: full }`,
    'keys: []',
    'providers:',
    `  mock: { type: openai-responses, base_url: "${mockOrigin}/v1", api_key: "bench" }`,
    'models:',
    '  bench-model: { provider: mock, model: bench-model }',
    extra,
    '',
  ].join('\n');
}

async function startGateway(build: Build, index: number, workDir: string, mockOrigin: string, exchanges: boolean): Promise<Service> {
  const dir = join(workDir, `gateway-${index}`);
  const configFile = `${dir}.yaml`;
  writeFileSync(configFile, gatewayConfig(mockOrigin, `${dir}.db`, exchanges, build.extra));
  const port = await freePort();
  const flags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return spawnService({
    name: `${basename(build.dir)}${build.extra === '' ? '' : ` (${build.extra})`}`,
    args: [...flags, join(build.dir, 'dist', 'src', 'main.js'), '--config', configFile, '--port', String(port)],
    port,
    readyPath: '/v1/models',
    logFile: `${dir}.log`,
    cwd: workDir,
  });
}

function jobFor(gateway: Service, o: Options, count: number): LoadJob {
  const model = `mock/${mockModelName({ latencyMs: 0, bodyBytes: 1400 })}`;
  return {
    label: gateway.name,
    origin: gateway.origin,
    path: '/v1/responses',
    headers: {},
    bodies: [responsesBody({ model, inputBytes: 1024 })],
    stream: false,
    concurrency: o.concurrency,
    count,
    durationMs: 600_000,
  };
}

/** utime and stime of all the process's threads, in µs: the split shows whether a change is JavaScript or system calls. */
function readCpu(pid: number): { user: number; total: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1_000_000 / clockTicksPerSecond();
  const user = Number(fields[11]) * tick;
  return { user, total: user + Number(fields[12]) * tick };
}

/** Sends `count` requests and returns the gateway's CPU (all threads, from /proc) per answered request. */
async function measure(gateway: Service, o: Options, count: number): Promise<Sample> {
  const before = readCpu(gateway.pid);
  const result = await driveLoad(jobFor(gateway, o, count));
  const after = readCpu(gateway.pid);
  if (result.errors > 0) throw new Error(`${gateway.name}: ${result.errors} errors, e.g. ${result.errorSamples[0] ?? ''}`);
  const ok = Math.max(1, result.ok);
  return { cpu: (after.total - before.total) / ok, user: (after.user - before.user) / ok, throughput: result.throughput };
}

/** `median [min…max]` of one build's samples. */
function spread(values: number[]): string {
  return `${median(values).toFixed(0)} [${Math.min(...values).toFixed(0)}…${Math.max(...values).toFixed(0)}]`;
}

const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

/** Every build once to warm up, then `rounds` rounds of each in turn; one sample per build and round. */
async function runRounds(gateways: Service[], o: Options): Promise<Sample[][]> {
  for (const g of gateways) await measure(g, o, o.warmup);
  const samples = gateways.map((): Sample[] => []);
  for (let round = 0; round < o.rounds; round += 1) {
    // Rotate the order each round, so that no build always runs right after another's load.
    for (let k = 0; k < gateways.length; k += 1) {
      const i = (k + round) % gateways.length;
      const gateway = gateways[i] as Service;
      const sample = await measure(gateway, o, o.requests);
      samples[i]?.push(sample);
      process.stdout.write(`round ${round + 1} ${gateway.name}: ${sample.cpu.toFixed(0)} µs CPU (${sample.user.toFixed(0)} user) per request, ${sample.throughput.toFixed(0)} req/s\n`);
    }
  }
  return samples;
}

function report(gateways: Service[], samples: Sample[][], o: Options): void {
  process.stdout.write(`\n${o.requests} requests × ${o.rounds} rounds at ${o.concurrency} concurrent; gateway CPU per request, median [min…max]:\n`);
  const first = samples[0] ?? [];
  for (const [i, g] of gateways.entries()) {
    const mine = samples[i] ?? [];
    // Against the first build round by round: a difference taken within one round cancels the host's slower drifts.
    const versus = i === 0 ? '' : `, ${signed(median(mine.map((s, r) => s.cpu - (first[r]?.cpu ?? Number.NaN))))} µs against the first (median of rounds)`;
    process.stdout.write(`${g.name}: ${spread(mine.map((s) => s.cpu))} µs, user ${spread(mine.map((s) => s.user))} µs, ${median(mine.map((s) => s.throughput)).toFixed(0)} req/s${versus}\n`);
  }
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  const paths = repoPaths();
  const workDir = mkdtempSync(join(tmpdir(), 'junction-json-cpu-'));
  const services: Service[] = [];
  try {
    const mockPort = await freePort();
    const mock = await spawnService({ name: 'mock', args: [paths.mockScript, '--port', String(mockPort)], port: mockPort, readyPath: '/v1/models', logFile: join(workDir, 'mock.log') });
    services.push(mock);
    const gateways: Service[] = [];
    for (const [i, build] of o.builds.entries()) {
      const gateway = await startGateway(build, i, workDir, mock.origin, o.exchanges);
      gateways.push(gateway);
      services.push(gateway); // stopped in `finally` even if a later one fails to start
    }
    report(gateways, await runRounds(gateways, o), o);
  } finally {
    await closePools();
    await Promise.all(services.map((s) => s.stop()));
    if (o.keep) process.stdout.write(`scratch directory kept: ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
