// Where the harness finds the compiled scripts it starts, whether it runs from bench/ (vitest) or dist/bench/ (npm run bench).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RepoPaths {
  root: string;
  mockScript: string;
  bareScript: string;
  loadScript: string;
  gatewayMain: string;
  portkeyMain: string;
  portkeyShim: string;
  eventLoopProbe: string;
}

function findRoot(from: string): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'junction') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no junction package.json above ${from}`);
    dir = parent;
  }
}

export function repoPaths(): RepoPaths {
  const root = findRoot(dirname(fileURLToPath(import.meta.url)));
  const bench = join(root, 'dist', 'bench');
  return {
    root,
    mockScript: join(bench, 'mock-upstream.js'),
    bareScript: join(bench, 'bare-passthrough.js'),
    loadScript: join(bench, 'load.js'),
    gatewayMain: join(root, 'dist', 'src', 'main.js'),
    portkeyMain: join(root, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js'),
    portkeyShim: join(bench, 'portkey-fetch-shim.js'),
    eventLoopProbe: join(bench, 'event-loop-probe.js'),
  };
}
