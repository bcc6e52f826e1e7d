// `node dist/bench/print-markdown.js [bench/results.json]`: a results file as the Markdown table that docs/performance.md shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPaths } from './repo-paths.js';
import { formatMarkdown, type BenchReport } from './report-results.js';

const file = process.argv[2] ?? join(repoPaths().root, 'bench', 'results.json');
const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
const m = report.meta;
process.stdout.write(
  `Run of ${m.startedAt.slice(0, 16).replace('T', ' ')} UTC, mode ${m.mode}, git ${m.gitSha.slice(0, 12)}, Node ${m.node}, ${m.cpus} cores, ` +
    `load average ${m.loadAverage.start.map((v) => v.toFixed(2)).join(' ')} → ${m.loadAverage.end.map((v) => v.toFixed(2)).join(' ')}, ${m.durationS.toFixed(0)} s.\n` +
    `Median [min…max] over rounds; "added" is target minus direct in the same round.\n\n${formatMarkdown(report.rows)}\n`,
);
