// The benchmark's output: the ratio table for stdout and the results.json document.
import type { MetricRow, Stat } from './metric-row.js';
import type { RawRecord } from './measure-rounds.js';
import type { TargetName } from './start-targets.js';

export interface BenchMeta {
  mode: string;
  gitSha: string;
  node: string;
  startedAt: string;
  durationS: number;
  cpus: number;
  /** os.loadavg() before and after the run. */
  loadAverage: { start: number[]; end: number[] };
  clockTicksPerSecond: number;
  /** CPU seconds the mock upstream and the load generator used over the run: if either nears the wall time, it, not the target, was the limit. */
  helperCpuS: { mock: number; load: number; postgres?: number };
  unavailable: Partial<Record<TargetName, string>>;
  notes: string[];
}

export interface BenchReport {
  meta: BenchMeta;
  rows: MetricRow[];
  raw: RawRecord[];
}

const COLUMNS: TargetName[] = ['direct', 'bare', 'bare+store', 'gateway', 'portkey'];
/** Shown only when a row has them (`--postgres`), so that a default run's table is as it was. */
const OPTIONAL_COLUMNS: TargetName[] = ['gateway+pg', 'gateway+pg×2'];

function columnsOf(rows: MetricRow[]): TargetName[] {
  return [...COLUMNS, ...OPTIONAL_COLUMNS.filter((c) => rows.some((r) => r.values[c] !== undefined))];
}

function num(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(stat: Stat | undefined): string {
  if (stat === undefined) return '';
  if (stat.rounds.length <= 1 || stat.min === stat.max) return num(stat.median);
  return `${num(stat.median)} [${num(stat.min)}…${num(stat.max)}]`;
}

function verdict(row: MetricRow): string {
  if (row.pass === null) return row.budget === '' ? '' : 'n/a';
  return row.pass ? 'met' : 'MISSED';
}

/** A fixed-width table: one line per metric, median [min…max] over rounds for each target. */
export function formatTable(rows: MetricRow[]): string {
  const columns = columnsOf(rows);
  const header = ['', 'metric', 'unit', 'budget (gateway)', ...columns, 'verdict'];
  const lines = rows.map((r) => [r.scenario, r.metric, r.unit, r.budget, ...columns.map((c) => cell(r.values[c])), verdict(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

/** The same table in Markdown, for docs/performance.md. */
export function formatMarkdown(rows: MetricRow[]): string {
  const columns = columnsOf(rows);
  const header = `| | metric | unit | budget (gateway) | ${columns.join(' | ')} | verdict |`;
  const rule = `|${' --- |'.repeat(columns.length + 5)}`;
  const lines = rows.map((r) => `| ${r.scenario} | ${r.metric} | ${r.unit} | ${r.budget} | ${columns.map((c) => cell(r.values[c])).join(' | ')} | ${verdict(r)} |`);
  return [header, rule, ...lines].join('\n');
}
