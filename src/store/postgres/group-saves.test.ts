// Grouped saves on PostgreSQL: the saves of one turn share a transaction, each acknowledged only once committed, and one that fails does not fail the others.
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabases } from '../../../test/support/test-database.js';
import type { ResponseObject } from '../../../transformers/responses-types.js';
import { openStore } from '../open-store.js';
import type { ResponseRecord } from '../response-store.js';
import type { StoredRow } from '../sqlite/write-statements.js';
import { mergeWrites } from './group-saves.js';

afterAll(() => dropTestDatabases());

function record(id: string): ResponseRecord {
  const response = { id, object: 'response', created_at: 1_700_000_000, status: 'completed', model: 'm', output: [{ id: `msg_${id}`, type: 'message', role: 'assistant', status: 'completed', content: [] }] };
  return {
    owner: 'alice',
    provider: 'openai',
    upstreamId: null,
    previousResponseId: null,
    response: response as unknown as ResponseObject,
    input: [{ id: `in_${id}`, item: { id: `in_${id}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }, provider: null }],
    exchange: { url: 'http://upstream/v1/responses', status: 200, requestBody: '{}', responseBody: '{}', warnings: [] },
  };
}

it('commits the saves of one turn in one transaction, and each is stored once its save resolves', async () => {
  const commits: number[] = [];
  const store = await openStore({ url: await createTestDatabase(), synchronous: 'full', onCommit: (ms) => commits.push(ms) });
  try {
    const ids = ['resp_g1', 'resp_g2', 'resp_g3', 'resp_g4'];
    const before = commits.length;
    await Promise.all(ids.map((id) => store.saveResponse(record(id))));
    expect(commits.length - before).toBe(1);
    for (const id of ids) {
      expect((await store.getResponse('alice', id))?.output).toEqual([expect.objectContaining({ id: `msg_${id}` })]);
      expect((await store.listInputItems('alice', id, { limit: 10, order: 'asc' }))?.items.map((item) => item.id)).toEqual([`in_${id}`]);
    }
  } finally {
    await store.close();
  }
});

it('fails only the save that cannot be written: the others of its group are tried again alone and stored', async () => {
  const store = await openStore({ url: await createTestDatabase(), synchronous: 'full' });
  try {
    await store.saveResponse(record('resp_taken'));
    const [again, other] = await Promise.allSettled([store.saveResponse(record('resp_taken')), store.saveResponse(record('resp_other'))]);
    expect(again.status).toBe('rejected');
    expect(other.status).toBe('fulfilled');
    expect(await store.getResponse('alice', 'resp_other')).toBeDefined();
  } finally {
    await store.close();
  }
});

it('orders a group by kind (responses, items, exchanges, then the rest) without reordering any one save', () => {
  const save = (id: string): { rows: StoredRow[]; size: number } => ({
    rows: [
      ['insertResponse', [id], 1],
      ['insertItem', [id, 'input'], 1],
      ['insertItem', [id, 'output'], 1],
      ['insertExchange', [id], 1],
      ['appendResponseToConversation', [0, id, 'conv'], 0],
      ['insertWebhookDelivery', [id], 1],
    ],
    size: 5,
  });
  const merged = mergeWrites([save('a'), save('b')]);
  expect(merged.size).toBe(10);
  expect(merged.rows.map(([name, params]) => `${name} ${params.join(' ')}`)).toEqual([
    'insertResponse a',
    'insertResponse b',
    'insertItem a input',
    'insertItem a output',
    'insertItem b input',
    'insertItem b output',
    'insertExchange a',
    'insertExchange b',
    'appendResponseToConversation 0 a conv',
    'insertWebhookDelivery a',
    'appendResponseToConversation 0 b conv',
    'insertWebhookDelivery b',
  ]);
});
