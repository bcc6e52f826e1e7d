// A gateway as its own process (the built CLI), for what only a process shows: signals, exit codes, kill -9 and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltCli } from './build-cli.js';

export interface ChildGateway {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (its log lines). */
  output(): string;
  /** Resolves with its exit code (or the signal that killed it). */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Resolves once its output contains `text` (a log line it writes when something happened). */
  logged(text: string): Promise<void>;
}

/**
 * A config for one OpenAI-type provider at `upstreamUrl`, with the store in `dir` (or at `database`, e.g. a
 * PostgreSQL URL several gateways share); `extra` lines are appended (YAML). `name`: the file's, in `dir`.
 */
export function childConfig(dir: string, upstreamUrl: string, extra: string[] = [], { database, name = 'config.yaml' }: { database?: string; name?: string } = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      `database: { url: "${database ?? `sqlite:${join(dir, 'junction.db')}`}" }`,
      'keys: [ { name: alice, key: "sk-test-alice" } ]',
      `providers: { openai: { type: openai-responses, base_url: "${upstreamUrl}", api_key: "sk-upstream" } }`,
      'models: { gpt-4o: { provider: openai, model: gpt-4o } }',
      'logging: { level: info }',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts the CLI with a config file on port 0; resolves once it listens. */
export async function startChildGateway(cli: BuiltCli, dir: string, config: string): Promise<ChildGateway> {
  const child = spawn(process.execPath, [cli.main, '--config', config, '--port', '0'], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const found = /junction listening on (http:\/\/\S+?)"/.exec(out)?.[1];
      if (found) {
        child.stdout!.off('data', look);
        resolve(found);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`the gateway exited (${code}): ${out}`)));
  });
  const logged = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!out.includes(text)) return;
        child.stdout!.off('data', look);
        resolve();
      };
      child.stdout!.on('data', look);
      look();
      void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`the gateway exited without logging "${text}": ${out}`))));
    });
  return { url, child, output: () => out, exited, logged };
}
