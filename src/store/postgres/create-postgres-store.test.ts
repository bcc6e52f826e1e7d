// What only the PostgreSQL store must take care of (the contract suite covers the rest): synchronous commits, raw upstream bodies as text, epoch columns past 32 bits.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabases } from '../../../test/support/test-database.js';
import { openStore } from '../open-store.js';
import { postgresPoolConfig } from './open-postgres-store.js';

afterAll(() => dropTestDatabases());

it('stores a raw upstream body given as bytes as its UTF-8 text, and a NUL (which PostgreSQL text cannot hold) as U+FFFD', async () => {
  const url = await createTestDatabase();
  const store = await openStore({ url, synchronous: 'full' });
  const response = { id: 'resp_raw', object: 'response', created_at: 1_700_000_000, status: 'completed', model: 'm', output: [] } as never;
  try {
    await store.saveResponse({
      owner: 'alice',
      provider: 'openai',
      upstreamId: null,
      previousResponseId: null,
      response,
      input: [],
      exchange: {
        url: 'http://upstream/v1/responses',
        status: 200,
        requestBody: new TextEncoder().encode('{"input":"héllo"}'),
        responseBody: 'data: a\u0000b\n\n',
        warnings: [],
      },
    });
  } finally {
    await store.close();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT request_body, response_body, created_at FROM upstream_exchanges WHERE response_id = $1', ['resp_raw']);
    expect(rows).toEqual([{ request_body: '{"input":"héllo"}', response_body: 'data: a\uFFFDb\n\n', created_at: '1700000000' }]);
    const { rows: types } = await client.query(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND column_name IN ('next_attempt_at', 'lease_until') ORDER BY table_name, column_name",
    );
    // The ms columns (the webhook outbox's, the run leases') would overflow a 32-bit integer.
    expect(types.map((row) => [row.table_name, row.column_name, row.data_type])).toEqual([
      ['runs', 'lease_until', 'bigint'],
      ['webhook_deliveries', 'lease_until', 'bigint'],
      ['webhook_deliveries', 'next_attempt_at', 'bigint'],
    ]);
  } finally {
    await client.end();
  }
});

it('commits synchronously whatever the URL asks, and keeps the URL\'s other options', async () => {
  const url = new URL(await createTestDatabase());
  const schema = url.searchParams.get('options')!.split('=')[1]!;
  url.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  const pool = new pg.Pool(postgresPoolConfig(url.toString(), 1));
  try {
    const { rows } = await pool.query("SELECT current_setting('synchronous_commit') AS sync, current_schema() AS schema");
    expect(rows).toEqual([{ sync: 'on', schema }]);
  } finally {
    await pool.end();
  }
});
