// `npm run bench [-- --quick | --smoke] [--only a,b] [--no-portkey] [--no-gateway] [--no-exchanges] [--synchronous normal] [--postgres] [--keep] [--out file]`: runs the benchmark and prints the ratio table.
import { join } from 'node:path';
import type { BenchMode } from './bench-plan.js';
import { repoPaths } from './repo-paths.js';
import { formatTable } from './report-results.js';
import { runBench, SCENARIO_NAMES, type ScenarioName } from './run-bench.js';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const argv = process.argv.slice(2);
const mode: BenchMode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
const only = option(argv, '--only')
  ?.split(',')
  .map((s) => s.trim())
  .filter((s): s is ScenarioName => (SCENARIO_NAMES as readonly string[]).includes(s));
const resultsFile = option(argv, '--out') ?? join(repoPaths().root, 'bench', 'results.json');

const report = await runBench({
  mode,
  ...(only === undefined ? {} : { scenarios: only }),
  withGateway: !argv.includes('--no-gateway'),
  withPortkey: !argv.includes('--no-portkey'),
  upstreamExchanges: !argv.includes('--no-exchanges'),
  synchronous: option(argv, '--synchronous') === 'normal' ? 'normal' : 'full',
  postgres: argv.includes('--postgres'),
  keepWorkDir: argv.includes('--keep'),
  resultsFile,
});
const m = report.meta;
process.stdout.write(
  `\nJunction benchmark (${m.mode}) · git ${m.gitSha.slice(0, 12)} · node ${m.node} · ${m.cpus} cores · load ${m.loadAverage.start.map((v) => v.toFixed(2)).join(' ')} → ${m.loadAverage.end
    .map((v) => v.toFixed(2))
    .join(' ')} · ${m.durationS.toFixed(0)} s\n` +
    `values: median [min…max] over rounds; "added" = target − direct; ratios per round, then their median\n\n${formatTable(report.rows)}\n\n`,
);
for (const [name, why] of Object.entries(m.unavailable)) process.stdout.write(`${name}: not measured (${why.split('\n')[0]})\n`);
for (const note of m.notes) process.stdout.write(`note: ${note}\n`);
const postgresCpu = m.helperCpuS.postgres === undefined ? '' : `, PostgreSQL ${m.helperCpuS.postgres.toFixed(1)} CPU s`;
process.stdout.write(`mock upstream used ${m.helperCpuS.mock.toFixed(1)} CPU s, load generator ${m.helperCpuS.load.toFixed(1)} CPU s${postgresCpu}\nresults: ${resultsFile}\n`);
