// A fresh PostgreSQL schema per test store, on the test run's server (start-test-postgres.ts): its URL sets the search_path, so the store's tables go there.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

const created: string[] = [];

/** Creates an empty schema and returns a URL whose connections use it (a schema, not a database: CREATE DATABASE costs a checkpoint). */
export async function createTestDatabase(): Promise<string> {
  const name = `junction_test_${randomBytes(6).toString('hex')}`;
  await onServer((client) => client.query(`CREATE SCHEMA ${name}`));
  created.push(name);
  const url = new URL(inject('postgresUrl'));
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

/** Drops the schemas this file created (call once its stores are closed). */
export async function dropTestDatabases(): Promise<void> {
  const names = created.splice(0);
  if (names.length === 0) return;
  await onServer((client) => client.query(`DROP SCHEMA ${names.join(', ')} CASCADE`));
}

async function onServer(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
