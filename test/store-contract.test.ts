// The ResponseStore contract on SQLite (a fresh database file per case) and on PostgreSQL (a fresh database per case, on the test run's server).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { describeStoreContract, type OpenedTestStore } from './support/store-contract.js';
import { describeRunLeaseContract } from './support/store-contract-leases.js';
import { createTestDatabase, dropTestDatabases } from './support/test-database.js';

const dir = mkdtempSync(join(tmpdir(), 'junction-store-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => dropTestDatabases());
let files = 0;

const sqlite = async (): Promise<OpenedTestStore> => {
  const options = { url: `sqlite:${join(dir, `store-${++files}.db`)}`, synchronous: 'full' as const };
  return { store: await openStore(options), reopen: () => openStore(options) };
};
const postgres = async (): Promise<OpenedTestStore> => {
  const options = { url: await createTestDatabase(), synchronous: 'full' as const, pool_size: 4 };
  return { store: await openStore(options), reopen: () => openStore(options) };
};

describeStoreContract('sqlite', sqlite);
describeStoreContract('postgres', postgres);
describeRunLeaseContract('sqlite', sqlite);
describeRunLeaseContract('postgres', postgres);
