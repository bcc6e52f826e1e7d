// `junction migrate-store` as an operator runs it (the built CLI, a child process), then a gateway on the PostgreSQL store serves what the SQLite store held.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { buildCli, type BuiltCli } from './support/build-cli.js';
import { fillStore } from './support/fill-store.js';
import { getJson } from './support/gateway-client.js';
import { startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { createTestDatabase, dropTestDatabases } from './support/test-database.js';
import { startTestGateway } from './support/test-gateway.js';

let cli: BuiltCli;
let upstream: MockUpstream;
let dir: string;

beforeAll(async () => {
  cli = buildCli();
  upstream = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), 'junction-migrate-cli-'));
});
afterAll(async () => {
  await upstream?.close();
  cli?.remove();
  await dropTestDatabases();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runCli = (args: string[]) => cli.run(args, dir);

it('copies the store named by the config into PostgreSQL, refuses to copy twice, and a gateway on PostgreSQL then serves the copied responses', async () => {
  const sqliteUrl = `sqlite:${join(dir, 'junction.db')}`;
  const source = await openStore({ url: sqliteUrl, synchronous: 'full' });
  await fillStore(source);
  const expected = await source.getResponse('alice', 'resp_3');
  await source.close();
  writeFileSync(join(dir, 'config.yaml'), `database: { url: "${sqliteUrl}" }\n`);
  const to = await createTestDatabase();

  const noTarget = await runCli(['migrate-store', '--config', 'config.yaml']);
  expect(noTarget).toMatchObject({ code: 1, stdout: '' });
  expect(noTarget.stderr).toMatch(/^junction: --to is required: usage: junction migrate-store .*\n$/);

  const copied = await runCli(['migrate-store', '--config', 'config.yaml', '--to', to]);
  expect(copied).toMatchObject({ code: 0, stderr: '' });
  const lines = copied.stdout.trim().split('\n');
  expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^responses: 8 rows \(\d+\.\d s\)$/), expect.stringMatching(/^webhook_deliveries: 4 rows /)]));
  expect(lines.at(-1)).toMatch(/^copied \d+ rows in 8 tables into PostgreSQL in \d+\.\d s \(snapshot \d+\.\d s\)$/);

  const again = await runCli(['migrate-store', '--from', sqliteUrl, '--to', to]);
  expect(again).toMatchObject({ code: 1, stdout: '' });
  expect(again.stderr).toMatch(/^junction: the target already holds rows \(in responses, .*\): migrate-store copies into an empty store only \(nothing was written to the target\)\n$/);

  const gateway = await startTestGateway(upstream.url, { database: { url: to } });
  try {
    const got = await getJson(gateway.url, '/v1/responses/resp_3');
    expect(got.status).toBe(200);
    expect(got.json).toEqual(expected);
    expect((await getJson(gateway.url, '/v1/responses/resp_3', 'sk-test-bob')).status).toBe(404);
    // The run left in progress came across as unfinished: this gateway's restart recovery ended it.
    expect((await getJson(gateway.url, '/v1/responses/resp_bg_open')).json.status).toBe('failed');
  } finally {
    await gateway.close();
  }
});
