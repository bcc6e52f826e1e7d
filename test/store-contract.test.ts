// The ResponseStore contract on SQLite: each case on a fresh database file in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { describeStoreContract } from './support/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'junction-store-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeStoreContract('sqlite', async () => {
  const options = { url: `sqlite:${join(dir, `store-${++files}.db`)}`, synchronous: 'full' as const };
  return { store: await openStore(options), reopen: () => openStore(options) };
});
