// Starts one server of the benchmark as its own process, waits until it answers, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';

export interface Service {
  name: string;
  pid: number;
  origin: string;
  port: number;
  logFile: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

export interface ServiceSpec {
  name: string;
  /** Arguments to `node`, the script first. */
  args: string[];
  port: number;
  /** A GET path that answers 200 once the server is up. */
  readyPath: string;
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** A port free on loopback right now (the OS picks it; the small race before the service binds it is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function spawnService(spec: ServiceSpec): Promise<Service> {
  const fd = openSync(spec.logFile, 'a');
  const child = spawn(process.execPath, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const origin = `http://127.0.0.1:${spec.port}`;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + (spec.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${spec.name} ${exited} before answering; log tail:\n${logTail(spec.logFile)}`);
    try {
      const res = await request(`${origin}${spec.readyPath}`, { method: 'GET', headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      if (res.statusCode === 200) return { name: spec.name, pid: child.pid ?? 0, origin, port: spec.port, logFile: spec.logFile, child, stop };
    } catch {
      // Not listening yet: poll again.
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`${spec.name} did not answer GET ${spec.readyPath} within ${spec.timeoutMs ?? 20_000} ms; log tail:\n${logTail(spec.logFile)}`);
}
