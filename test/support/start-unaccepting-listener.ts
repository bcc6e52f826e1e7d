// A TCP port that never completes a connection: a listener that never accepts, with its queue filled, so the kernel drops further SYNs (what an unroutable address does).
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface UnacceptingListener {
  url: string;
  close(): void;
}

/**
 * Outbound addresses that should not answer (10.255.255.1, TEST-NET) are answered by this sandbox's network,
 * so the connect timeout is met locally: a child process listens with a backlog of 1 and blocks its event
 * loop, so nothing is ever accepted; two connections fill its accept queue (Linux holds backlog + 1), and from
 * then on a connection attempt hangs in SYN_SENT until the client gives up.
 */
export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  const fillers: Socket[] = [];
  await new Promise<void>((resolve) => {
    let connected = 0;
    for (let i = 0; i < 3; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.once('connect', () => ++connected === 2 && resolve());
      fillers.push(socket);
    }
  });
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close() {
      for (const socket of fillers) socket.destroy();
      child.kill();
    },
  };
}
