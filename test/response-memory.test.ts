// Memory stays bounded: a gateway (a child process, measured from outside) that stops a stream at limits.max_response_mb peaks at a small multiple of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { buildCli, type BuiltCli } from './support/build-cli.js';
import { postResponses } from './support/gateway-client.js';
import { fixturePath, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';

const MB = 1024 * 1024;
const LIMIT_MB = 32;
let upstream: MockUpstream;
let cli: BuiltCli;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  upstream = await startMockUpstream();
  cli = buildCli();
  dir = mkdtempSync(join(tmpdir(), 'junction-memory-'));
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  }
  await upstream?.close();
  cli?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the gateway's CLI on port 0 and resolves with its URL once it listens. */
async function startChildGateway(): Promise<string> {
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      `database: { url: "sqlite:${join(dir, 'junction.db')}" }`,
      'keys: [ { name: alice, key: "sk-test-alice" } ]',
      `providers: { openai: { type: openai-responses, base_url: "${upstream.url}", api_key: "sk-upstream" } }`,
      'models: { gpt-4o: { provider: openai, model: gpt-4o } }',
      `limits: { max_response_mb: ${LIMIT_MB} }`,
      'debug: { upstream_exchanges: true }',
      'logging: { level: info }',
      '',
    ].join('\n'),
  );
  child = spawn(process.execPath, [cli.main, '--config', config], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /junction listening on (http:\/\/\S+?)"/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child!.once('exit', (code) => reject(new Error(`the gateway exited (${code}): ${out}`)));
  });
}

const peakRssMb = (pid: number) => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('a stream stopped at limits.max_response_mb', () => {
  it('peaks at a small multiple of the limit (hand-written upstream shape: short text deltas past the limit)', async () => {
    // The recorded stream's first text delta, repeated (about 250 bytes each, as real streams send) past the limit.
    const recorded = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8').split('\n\n');
    const at = recorded.findIndex((b) => b.includes('response.output_text.delta'));
    const copies = Math.ceil(((LIMIT_MB + 4) * MB) / (recorded[at]!.length + 2));
    upstream.reply('/v1/responses', {
      contentType: 'text/event-stream',
      body: [...recorded.slice(0, at), ...Array<string>(copies).fill(recorded[at]!)].join('\n\n') + '\n\n',
      chunkSize: 64 * 1024,
    });
    const url = await startChildGateway();
    const baseline = peakRssMb(child!.pid!);
    const res = await postResponses(url, { model: 'gpt-4o', input: 'hi', stream: true });
    const terminal = res.events.at(-1)!;
    expect(terminal.type).toBe('response.failed');
    expect(((terminal.response as JsonObject).error as JsonObject).code).toBe('upstream_response_too_large');
    // Measured above the baseline: 176–196 MB (5.5–6 times the limit) while the raw stream was stored whole, 63 MB since.
    expect(peakRssMb(child!.pid!) - baseline).toBeLessThan(3 * LIMIT_MB);
  });
});
