// Test support: a runnable copy of the gateway's CLI, transpiled file by file (no type check, so it is quick and
// does not depend on the rest of the tree type-checking), in a temp dir that reaches the repo's node_modules.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['src', 'transformers', 'migrations'];

export interface BuiltCli {
  /** The entry to run with `node`. */
  main: string;
  dir: string;
  remove(): void;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export function buildCli(): BuiltCli {
  const dir = mkdtempSync(join(tmpdir(), 'junction-cli-'));
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(join(repoRoot, d)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const out = join(dir, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { main: join(dir, 'src', 'main.js'), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
