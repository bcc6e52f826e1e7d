// Test support: a runnable copy of the gateway's CLI, transpiled file by file (no type check, so it is quick and
// does not depend on the rest of the tree type-checking), in a temp dir that reaches the repo's node_modules.
import { spawn } from 'node:child_process';
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
  /** Runs one command to its end in `cwd` (a one-shot subcommand: backup, migrate-store), with only PATH in its environment. */
  run(args: string[], cwd: string): Promise<CliResult>;
  remove(): void;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCommand(main: string, args: string[], cwd: string): Promise<CliResult> {
  const child = spawn(process.execPath, [main, ...args], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
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
  const main = join(dir, 'src', 'main.js');
  return { main, dir, run: (args, cwd) => runCommand(main, args, cwd), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
