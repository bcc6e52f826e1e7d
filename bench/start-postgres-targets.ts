// Starts the PostgreSQL targets of `--postgres`: a private PostgreSQL server and two gateways on one database, addressed as one instance and as two.
import { join } from 'node:path';
import { readProcessTreeCpuMicros } from './proc-stats.js';
import type { Service } from './spawn-service.js';
import { startEmbeddedPostgres } from './start-embedded-postgres.js';
import { gatewayTarget, startGateway } from './start-gateway.js';
import type { BenchTarget, StartOptions } from './start-targets.js';

export interface PostgresTargets {
  /** The first gateway alone. */
  single: BenchTarget;
  /** Both gateways (the first and a second on the same database), requests spread round robin over them. */
  pair: BenchTarget;
  /** The server's process tree (postmaster and backends): it shares the host's cores with everything else. */
  serverPid: number;
  stop: () => Promise<void>;
}

/** The gateways are stopped before the server, so that their pools close on a live server. */
export async function startPostgresTargets(o: StartOptions, workDir: string, mockOrigin: string): Promise<PostgresTargets> {
  const server = await startEmbeddedPostgres('junction-bench-postgres-', 'bench PostgreSQL');
  const gateways: Service[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(gateways.map((g) => g.stop()));
    await server.stop();
  };
  try {
    const database = `{ url: "${server.url}" }`;
    // One after the other: the first runs the migrations, the second finds them done.
    for (const name of ['gateway-pg-1', 'gateway-pg-2']) gateways.push(await startGateway(o, workDir, mockOrigin, name, database));
    const [first, second] = gateways as [Service, Service];
    const storeServer = { readCpuMicros: () => readProcessTreeCpuMicros(server.pid) };
    return {
      single: { ...gatewayTarget('gateway+pg', first, join(workDir, 'gateway-pg-1.event-loop.json')), storeServer },
      // No event-loop probe: it would read the first instance only.
      pair: { ...gatewayTarget('gateway+pg×2', first, null), moreInstances: [{ origin: second.origin, pid: second.pid }], storeServer },
      serverPid: server.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
