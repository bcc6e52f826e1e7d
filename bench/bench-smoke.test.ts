// CI smoke test of the benchmark: every scenario with tiny counts against every target (the PostgreSQL ones included); checks that all answered without errors and that counts add up, never speed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoPaths } from './repo-paths.js';
import type { BenchReport } from './report-results.js';
import { runBench } from './run-bench.js';

const paths = repoPaths();
let report: BenchReport;

beforeAll(async () => {
  // The harness starts compiled scripts as their own processes, so build first. tsc emits JavaScript even when some file
  // elsewhere has a type error (typecheck reports those); what matters here is that the scripts exist afterwards.
  const build = spawnSync(process.execPath, [join(paths.root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: paths.root, encoding: 'utf8' });
  for (const script of [paths.gatewayMain, paths.mockScript, paths.bareScript, paths.loadScript, paths.portkeyShim]) {
    if (!existsSync(script)) throw new Error(`${script} was not built:\n${build.stdout}${build.stderr}`);
  }
  report = await runBench({ mode: 'smoke', postgres: true, log: () => undefined });
}, 120_000);

describe('bench --smoke', () => {
  it('reaches every target', () => {
    const expected = ['direct', 'bare', 'bare+store', 'portkey', 'gateway', 'gateway+pg', 'gateway+pg×2'];
    expect(report.meta.unavailable).toEqual({});
    expect(new Set(report.raw.map((r) => r.target))).toEqual(new Set(expected));
  });

  it('has no errors, and every request sent got an answer', () => {
    for (const { result } of report.raw) {
      expect(result.errorSamples, result.label).toEqual([]);
      expect(result.errors, result.label).toBe(0);
      expect(result.received, result.label).toBe(result.sent);
      expect(result.ok + result.aborted, result.label).toBe(result.sent);
      expect(result.sent, result.label).toBeGreaterThan(0);
    }
  });

  it('finds every stored response with a GET', () => {
    for (const { result } of report.raw.filter((r) => r.result.storedChecked > 0)) expect(result.storedFound, result.label).toBe(result.storedChecked);
  });

  it('measures the PostgreSQL server apart from the gateways on it', () => {
    const onPostgres = report.raw.filter((r) => r.target === 'gateway+pg' || r.target === 'gateway+pg×2');
    expect(onPostgres.length).toBeGreaterThan(0);
    for (const r of onPostgres) expect(r.storeCpuUs, r.result.label).not.toBeNull();
    for (const r of report.raw.filter((r) => !r.target.includes('+pg'))) expect(r.storeCpuUs, r.result.label).toBeNull();
    // The server worked for the run: its process tree's CPU time grew (at least one 10 ms tick).
    expect(report.meta.helperCpuS.postgres).toBeGreaterThan(0);
    const twoOverOne = report.rows.find((r) => r.metric === 'throughput two instances ÷ one @saturation');
    expect(twoOverOne?.values['gateway+pg×2']?.median).toBeGreaterThan(0);
  });

  it('reports every scenario', () => {
    const scenarios = new Set(report.rows.map((r) => r.scenario));
    expect([...scenarios].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
