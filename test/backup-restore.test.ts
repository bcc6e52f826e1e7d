// `junction backup FILE` against a gateway that keeps taking writes, and the documented restore: the copy serves every response acknowledged before the backup began.
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { buildCli, type BuiltCli } from './support/build-cli.js';
import { getJson, postResponses } from './support/gateway-client.js';
import { fixtureReply, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let upstream: MockUpstream;
let gateway: TestGateway;
let cli: BuiltCli;
let dir: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startTestGateway(upstream.url, {}, undefined, false);
  dir = gateway.dir;
  cli = buildCli();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  cli?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One stored, non-streamed response; resolves with the JSON the client was given. */
async function createResponse(): Promise<JsonObject> {
  upstream.reply('/v1/responses', fixtureReply('openai/create-text.json'));
  const result = await postResponses(gateway.url, { model: 'gpt-4o', input: 'hello' });
  expect(result.status).toBe(200);
  return result.json!;
}

const runCli = (args: string[]) => cli.run(args, dir);

describe('junction backup FILE while the gateway serves, then restore', () => {
  const before: JsonObject[] = [];
  let backupFile: string;
  let afterBackup: JsonObject;

  it('copies a consistent, verified store while requests keep being stored', async () => {
    for (let i = 0; i < 5; i++) before.push(...(await Promise.all([createResponse(), createResponse(), createResponse(), createResponse()])));
    const config = join(dir, 'backup.yaml');
    writeFileSync(config, `database: { url: "${gateway.config.database.url}" }\n`);
    backupFile = join(dir, 'junction-backup.db');

    // Four clients keep writing from before the backup starts until after it has ended.
    let running = true;
    let duringBackup = 0;
    const load = [0, 1, 2, 3].map(async () => {
      let stored = 0;
      while (running) {
        await createResponse();
        stored += 1;
      }
      return stored;
    });
    const backup = runCli(['backup', backupFile, '--config', config]);
    let backupOver = false;
    void backup.then(() => (backupOver = true));
    const watch = (async () => {
      while (!backupOver) {
        await createResponse();
        if (!backupOver) duringBackup += 1;
      }
    })();
    const result = await backup;
    running = false;
    const stored = (await Promise.all(load)).reduce((a, b) => a + b, 0);
    await watch;

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backup written to .*junction-backup\.db: [\d.]+ MB, \d+ responses, integrity_check ok/);
    // The gateway was answering (and storing) while the backup ran, not held off.
    expect(duringBackup).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(0);

    const copy = new SQLite(backupFile, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const has = copy.prepare('SELECT response_json FROM responses WHERE id = ?').pluck();
      for (const response of before) expect(JSON.parse(has.get(response.id) as string)).toMatchObject({ id: response.id, status: 'completed' });
    } finally {
      copy.close();
    }
    // Only the backup was left behind: no partial copy, no journal.
    expect(readdirSync(dir).filter((f) => f.includes('junction-backup'))).toEqual(['junction-backup.db']);
    afterBackup = await createResponse();
  });

  it('restores: stop the gateway, put the copy in place of the database without its -wal/-shm, start', async () => {
    expect(backupFile).toBeDefined();
    const database = gateway.config.database.url.slice('sqlite:'.length);
    await gateway.close();
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    copyFileSync(backupFile, database);
    gateway = await startTestGateway(upstream.url, {}, dir, false);

    for (const response of before) {
      const stored = await getJson(gateway.url, `/v1/responses/${String(response.id)}`);
      expect(stored.status).toBe(200);
      expect(stored.json).toEqual(response);
    }
    // What was stored after the backup is not in it: the store really is the copy.
    expect((await getJson(gateway.url, `/v1/responses/${String(afterBackup.id)}`)).status).toBe(404);
    // And the restored store takes new writes.
    const fresh = await createResponse();
    expect((await getJson(gateway.url, `/v1/responses/${String(fresh.id)}`)).status).toBe(200);
  });

  it('refuses to write the backup over the database itself, and says so', async () => {
    const config = join(dir, 'backup.yaml');
    const database = gateway.config.database.url.slice('sqlite:'.length);
    const result = await runCli(['backup', database, '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is the database itself');
  });

  it('names the PostgreSQL tools when the store is PostgreSQL', async () => {
    const config = join(dir, 'pg.yaml');
    writeFileSync(config, 'database: { url: "postgres://junction@localhost/junction" }\n');
    const result = await runCli(['backup', join(dir, 'pg-backup.db'), '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pg_dump .*pg_basebackup/);
  });
});
