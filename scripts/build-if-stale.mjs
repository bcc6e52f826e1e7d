// Before `npm start`: builds only when dist/ is missing or older than a source file, so a start takes about a second.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// `npm ci` builds at install (`prepare`); this catches a source edited since, or an install run with --ignore-scripts.
const built = (() => {
  try {
    return statSync('dist/src/main.js').mtimeMs;
  } catch {
    return 0;
  }
})();

/** The first TypeScript source in these folders modified after the build, if any. */
function newerSource(dirs) {
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const path = join(entry.parentPath ?? entry.path, entry.name);
      if (statSync(path).mtimeMs > built) return path;
    }
  }
  return undefined;
}

const stale = built === 0 ? 'dist/src/main.js is missing' : newerSource(['src', 'transformers', 'migrations']);
if (stale) {
  process.stderr.write(`building (${stale === 'dist/src/main.js is missing' ? stale : `${stale} changed`})\n`);
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  process.exit(tsc.status ?? 1);
}
