// `node dist/bench/summarize-cpu-profile.js FILE.cpuprofile [N]`: the top functions by self time and by total time in a V8 CPU profile (from node --cpu-prof).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionCost {
  name: string;
  selfMs: number;
  totalMs: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/dist\//, '');
  return `${functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim();
}

export function summarizeCpuProfile(profile: CpuProfile): { wallMs: number; functions: FunctionCost[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + us);
    // Charge the time once to every distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n === undefined) break;
      const name = frameName(n);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }));
  return { wallMs: (profile.endTime - profile.startTime) / 1000, functions };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  // Worker threads (the gateway's checkpointer) write profiles of their own: each file is summarised on its own.
  const files = args.filter((a) => a.endsWith('.cpuprofile'));
  const top = Number(args.find((a) => /^\d+$/.test(a)) ?? '30');
  if (files.length === 0) throw new Error('usage: summarize-cpu-profile FILE.cpuprofile… [N]');
  for (const file of files) {
    const { wallMs, functions } = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busy = functions.filter((f) => !['(idle)', '(program)', '(root)'].includes(f.name.split(' ')[0] ?? '')).reduce((n, f) => n + f.selfMs, 0);
    process.stdout.write(`${file}\nprofile ${wallMs.toFixed(0)} ms wall, ${busy.toFixed(0)} ms in JavaScript and native code (not idle/program)\n\nby self time:\n`);
    for (const f of [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) process.stdout.write(`${f.selfMs.toFixed(1).padStart(9)} ms  ${f.name}\n`);
    process.stdout.write('\nby total time:\n');
    for (const f of [...functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) process.stdout.write(`${f.totalMs.toFixed(1).padStart(9)} ms  ${f.name}\n`);
    process.stdout.write('\n');
  }
}
