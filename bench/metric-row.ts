// One line of the report: a metric per target as the median, min and max over rounds, and whether the gateway meets its budget.
import type { TargetName } from './start-targets.js';
import { median } from './summarize-samples.js';

export interface Stat {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export interface MetricRow {
  scenario: string;
  metric: string;
  unit: string;
  /** The budget in words, e.g. "≤ 1.5"; empty when the row is for information only. */
  budget: string;
  values: Partial<Record<TargetName, Stat>>;
  /** The gateway's median against the budget; null when there is no budget or no gateway. */
  pass: boolean | null;
  note?: string;
}

export function statOf(rounds: number[]): Stat {
  const finite = rounds.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length === 0 ? Number.NaN : Math.min(...finite),
    max: finite.length === 0 ? Number.NaN : Math.max(...finite),
    rounds,
  };
}

export interface RowSpec {
  scenario: string;
  metric: string;
  unit: string;
  budget?: string;
  /** Judges the gateway's statistic; the default judges its median. */
  check?: (gateway: Stat) => boolean;
  note?: string;
}

export function makeRow(spec: RowSpec, perTarget: Partial<Record<TargetName, number[]>>): MetricRow {
  const values: Partial<Record<TargetName, Stat>> = {};
  for (const [name, rounds] of Object.entries(perTarget) as Array<[TargetName, number[]]>) values[name] = statOf(rounds);
  const gateway = values.gateway;
  const pass = spec.check === undefined || gateway === undefined || !Number.isFinite(gateway.median) ? null : spec.check(gateway);
  return { scenario: spec.scenario, metric: spec.metric, unit: spec.unit, budget: spec.budget ?? '', values, pass, ...(spec.note === undefined ? {} : { note: spec.note }) };
}
