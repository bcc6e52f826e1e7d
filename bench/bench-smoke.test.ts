// CI smoke test of the benchmark: every scenario with tiny counts against every target; checks that all answered without errors and that counts add up, never speed.
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
  report = await runBench({ mode: 'smoke', log: () => undefined });
}, 120_000);

describe('bench --smoke', () => {
  it('reaches every target', () => {
    const expected = ['direct', 'bare', 'bare+store', 'portkey', 'gateway'];
    expect(report.meta.unavailable.gateway).toBeUndefined();
    expect(report.meta.unavailable.portkey).toBeUndefined();
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

  it('reports every scenario', () => {
    const scenarios = new Set(report.rows.map((r) => r.scenario));
    expect([...scenarios].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
