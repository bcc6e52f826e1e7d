// The cases every ResponseStore implementation must pass, written once: SQLite and PostgreSQL run them (run leases: store-contract-leases.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseItem, ResponseObject, ResponsesEvent } from '../../transformers/responses-types.js';
import type { ConversationObject, InputItem, NewRun, ResponseRecord, ResponseStore, WebhookNotice } from '../../src/store/response-store.js';

/** A fresh, empty store, and a way to open the same stored data again once it is closed (a restart). */
export interface OpenedTestStore {
  store: ResponseStore;
  reopen(): Promise<ResponseStore>;
}

const message = (id: string, text: string, role = 'user'): ResponseItem => ({ id, type: 'message', role, content: [{ type: 'input_text', text }] });
const answer = (id: string, text: string): ResponseItem => ({
  id,
  type: 'message',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text, annotations: [] }],
});

function responseObject(id: string, status: ResponseObject['status'], output: ResponseItem[], createdAt = 1_700_000_000, previous: string | null = null): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status,
    model: 'gpt-test',
    previous_response_id: previous,
    background: status === 'queued' || status === 'in_progress',
    output,
    usage: null,
    error: null,
    incomplete_details: null,
  };
}

export function finished(id: string, { owner = 'alice', previous = null, input = [message(`in_${id}`, 'hi')], output = [answer(`msg_${id}`, 'hello')] }: {
  owner?: string;
  previous?: string | null;
  input?: ResponseItem[];
  output?: ResponseItem[];
} = {}): ResponseRecord {
  return {
    owner,
    provider: 'openai',
    upstreamId: `up_${id}`,
    previousResponseId: previous,
    response: responseObject(id, 'completed', output, 1_700_000_000, previous),
    input: input.map((item): InputItem => ({ id: item.id!, item, provider: null })),
    exchange: { url: 'http://upstream/v1/responses', status: 200, requestBody: '{"model":"gpt-test"}', responseBody: '{}', warnings: [] },
  };
}

export function newRun(id: string, createdAt = 1_700_000_000, owner = 'alice'): NewRun {
  return {
    owner,
    provider: 'openai',
    previousResponseId: null,
    response: responseObject(id, 'queued', [], createdAt),
    input: [{ id: `in_${id}`, item: message(`in_${id}`, 'think long'), provider: null }],
    request: { model: 'gpt-test', input: 'think long', background: true },
  };
}

export function events(from: number, ...types: string[]): ResponsesEvent[] {
  return types.map((type, i) => ({ type, sequence_number: from + i, ...(type === 'response.output_text.delta' ? { delta: 'x', item_id: 'msg', output_index: 0, content_index: 0 } : {}) }));
}

const conversation = (id: string, metadata: Record<string, string> = {}, createdAt = 1_700_000_000): ConversationObject => ({ id, object: 'conversation', created_at: createdAt, metadata });
const direct = (id: string, text: string, provider: string | null = null): InputItem => ({ id, item: message(id, text), provider });
/** A conversation's item ids in order (oldest first). */
async function conversationIds(store: ResponseStore, owner: string, id: string): Promise<string[] | undefined> {
  return (await store.listConversationItems(owner, id, { limit: 100, order: 'asc' }))?.items.map((item) => item.id as string);
}

const HOOK_A = 'https://hooks.example/a';
const HOOK_B = 'https://hooks.example/b';

function notice(responseId: string, endpoint: string, createdAt: number, eventId = `evt_${responseId}`): WebhookNotice {
  const payload = JSON.stringify({ id: eventId, object: 'event', created_at: Math.floor(createdAt / 1000), type: 'response.completed', data: { id: responseId } });
  return { eventId, endpoint, responseId, type: 'response.completed', payload, createdAt };
}

const sequences = (logged: ResponsesEvent[] | undefined) => logged?.map((e) => e.sequence_number);

export function describeStoreContract(name: string, openStore: () => Promise<OpenedTestStore>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    const open: ResponseStore[] = [];
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });
    const fresh = async () => {
      const opened = await openStore();
      open.push(opened.store);
      return opened;
    };

    it('answers ping, and saves a response whose returned JSON is what a read returns', async () => {
      const { store } = await fresh();
      await store.ping();
      const json = await store.saveResponse(finished('resp_a'));
      const read = await store.getResponse('alice', 'resp_a');
      expect(JSON.parse(json)).toEqual(read);
      expect(json).toBe(JSON.stringify(read));
      expect(read).toMatchObject({ id: 'resp_a', status: 'completed', output: [{ id: 'msg_resp_a', type: 'message' }] });
    });

    it('scopes every read and the delete to the owning key', async () => {
      const { store } = await fresh();
      await store.saveResponse(finished('resp_owned'));
      await store.createRun(newRun('resp_run'));
      await store.appendEvents('resp_run', events(0, 'response.queued'));

      expect(await store.getResponse('bob', 'resp_owned')).toBeUndefined();
      expect(await store.listInputItems('bob', 'resp_owned', { limit: 20, order: 'asc' })).toBeUndefined();
      expect(await store.loadChain('bob', 'resp_owned')).toBeUndefined();
      expect((await store.findItemsById('bob', ['in_resp_owned', 'msg_resp_owned'])).size).toBe(0);
      expect(await store.readEvents('bob', 'resp_run', -1)).toBeUndefined();
      expect(await store.deleteResponse('bob', 'resp_owned')).toBe(false);
      expect(await store.deleteResponse('bob', 'resp_run')).toBe(false);

      expect(await store.getResponse('alice', 'resp_owned')).toMatchObject({ id: 'resp_owned' });
      expect(sequences(await store.readEvents('alice', 'resp_run', -1))).toEqual([0]);
      expect(await store.getResponse('alice', 'resp_missing')).toBeUndefined();
      expect(await store.deleteResponse('alice', 'resp_missing')).toBe(false);
    });

    it('resolves a chain oldest first, inputs before outputs, and finds items by id (outputs before input copies)', async () => {
      const { store } = await fresh();
      await store.saveResponse(finished('resp_1'));
      // The second turn's input holds a copy of the first turn's output, under the same id.
      const second = finished('resp_2', { previous: 'resp_1', input: [answer('msg_resp_1', 'hello'), message('in_resp_2', 'and then?')] });
      second.input[0]!.provider = 'openai';
      await store.saveResponse(second);

      const chain = await store.loadChain('alice', 'resp_2');
      expect(chain?.map(({ item, direction, provider }) => [item.id, direction, provider])).toEqual([
        ['in_resp_1', 'input', null],
        ['msg_resp_1', 'output', 'openai'],
        ['msg_resp_1', 'input', 'openai'],
        ['in_resp_2', 'input', null],
        ['msg_resp_2', 'output', 'openai'],
      ]);
      expect((await store.loadChain('alice', 'resp_1'))?.map(({ item }) => item.id)).toEqual(['in_resp_1', 'msg_resp_1']);

      const found = await store.findItemsById('alice', ['msg_resp_1', 'in_resp_2', 'no_such_item']);
      expect([...found.keys()].sort()).toEqual(['in_resp_2', 'msg_resp_1']);
      expect(found.get('msg_resp_1')).toEqual({ item: answer('msg_resp_1', 'hello'), provider: 'openai' });
      expect(found.get('in_resp_2')).toEqual({ item: message('in_resp_2', 'and then?'), provider: null });
    });

    it('lists input items in both orders, a page at a time after a cursor', async () => {
      const { store } = await fresh();
      const input = [1, 2, 3, 4, 5].map((n) => message(`in_${n}`, `turn ${n}`));
      await store.saveResponse(finished('resp_list', { input }));
      const ids = async (options: { limit: number; order: 'asc' | 'desc'; after?: string }) => {
        const page = await store.listInputItems('alice', 'resp_list', options);
        return { ids: page?.items.map((item) => item.id), hasMore: page?.hasMore };
      };
      expect(await ids({ limit: 2, order: 'asc' })).toEqual({ ids: ['in_1', 'in_2'], hasMore: true });
      expect(await ids({ limit: 2, order: 'asc', after: 'in_2' })).toEqual({ ids: ['in_3', 'in_4'], hasMore: true });
      expect(await ids({ limit: 2, order: 'asc', after: 'in_4' })).toEqual({ ids: ['in_5'], hasMore: false });
      expect(await ids({ limit: 2, order: 'desc' })).toEqual({ ids: ['in_5', 'in_4'], hasMore: true });
      expect(await ids({ limit: 10, order: 'desc', after: 'in_3' })).toEqual({ ids: ['in_2', 'in_1'], hasMore: false });
      expect(await ids({ limit: 10, order: 'asc', after: 'in_unknown' })).toEqual({ ids: [], hasMore: false });
      const page = await store.listInputItems('alice', 'resp_list', { limit: 1, order: 'asc' });
      expect(page?.items).toEqual([input[0]]);
    });

    it('carries a background run from queued to its end: status, event log, unfinished runs, final output', async () => {
      const { store } = await fresh();
      const run = newRun('resp_bg');
      await store.createRun(run);
      expect(await store.getResponse('alice', 'resp_bg')).toEqual(run.response);
      expect((await store.listInputItems('alice', 'resp_bg', { limit: 20, order: 'asc' }))?.items).toEqual([run.input[0]!.item]);
      expect(await store.unfinishedRuns()).toEqual([{ id: 'resp_bg', owner: 'alice', provider: 'openai', request: run.request, response: run.response, producedOutput: false, lastSequence: -1, cancelRequested: false, requestId: null }]);

      const running = { ...run.response, status: 'in_progress' as const };
      await store.updateRun('resp_bg', running);
      await store.appendEvents('resp_bg', events(0, 'response.queued', 'response.created', 'response.in_progress'));
      expect(await store.getResponse('alice', 'resp_bg')).toEqual(running);
      expect(await store.unfinishedRuns()).toMatchObject([{ id: 'resp_bg', response: running, producedOutput: false, lastSequence: 2 }]);

      const output = events(3, 'response.output_item.added', 'response.output_text.delta', 'response.output_text.delta');
      await store.appendEvents('resp_bg', output.slice(0, 2));
      await store.appendEvents('resp_bg', output.slice(2));
      expect(await store.unfinishedRuns()).toMatchObject([{ id: 'resp_bg', producedOutput: true, lastSequence: 5 }]);
      expect(await store.readEvents('alice', 'resp_bg', 3)).toEqual(output.slice(1));
      expect(sequences(await store.readEvents('alice', 'resp_bg', -1))).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await store.readEvents('alice', 'resp_bg', 5)).toEqual([]);

      const final: ResponseRecord = {
        owner: 'alice',
        provider: 'openai',
        upstreamId: 'up_bg',
        previousResponseId: null,
        response: { ...responseObject('resp_bg', 'completed', [answer('msg_bg', 'done thinking')]), background: true },
        input: run.input,
        exchange: { url: 'http://upstream/v1/responses', status: 200, requestBody: '{}', responseBody: 'data: {}\n\n', warnings: [] },
      };
      const json = await store.finishRun(final, events(6, 'response.output_text.done', 'response.completed'));
      const read = await store.getResponse('alice', 'resp_bg');
      expect(read).toEqual(final.response);
      expect(json).toBe(JSON.stringify(read));
      // The input was stored when the run began, once.
      expect((await store.listInputItems('alice', 'resp_bg', { limit: 20, order: 'asc' }))?.items).toEqual([run.input[0]!.item]);
      expect(sequences(await store.readEvents('alice', 'resp_bg', 5))).toEqual([6, 7]);
      expect(await store.unfinishedRuns()).toEqual([]);
      expect((await store.loadChain('alice', 'resp_bg'))?.map(({ item, direction }) => [item.id, direction])).toEqual([
        ['in_resp_bg', 'input'],
        ['msg_bg', 'output'],
      ]);
    });

    it('restarts a run with its event log emptied and its status queued again', async () => {
      const { store } = await fresh();
      await store.createRun(newRun('resp_again'));
      await store.updateRun('resp_again', responseObject('resp_again', 'in_progress', []));
      await store.appendEvents('resp_again', events(0, 'response.queued', 'response.in_progress', 'response.output_item.added'));
      await store.restartRun('resp_again');
      expect(await store.readEvents('alice', 'resp_again', -1)).toEqual([]);
      expect(await store.getResponse('alice', 'resp_again')).toMatchObject({ status: 'queued' });
      expect(await store.unfinishedRuns()).toMatchObject([{ id: 'resp_again', response: { status: 'queued' }, producedOutput: false, lastSequence: -1 }]);
    });

    it('lists unfinished runs oldest first, and finds them again after a restart', async () => {
      const { store, reopen } = await fresh();
      await store.createRun(newRun('resp_late', 1_700_000_200));
      await store.createRun(newRun('resp_early', 1_700_000_100, 'bob'));
      await store.createRun(newRun('resp_done', 1_700_000_000));
      await store.finishRun(finished('resp_done'), []);
      await store.saveResponse(finished('resp_foreground'));
      await store.appendEvents('resp_late', events(0, 'response.queued', 'response.output_item.added'));
      await store.close();
      open.splice(0);

      const again = await reopen();
      open.push(again);
      expect((await again.unfinishedRuns()).map(({ id, owner, producedOutput, lastSequence }) => ({ id, owner, producedOutput, lastSequence }))).toEqual([
        { id: 'resp_early', owner: 'bob', producedOutput: false, lastSequence: -1 },
        { id: 'resp_late', owner: 'alice', producedOutput: true, lastSequence: 1 },
      ]);
    });

    it('deletes a response with its items, its event log and its run', async () => {
      const { store } = await fresh();
      await store.createRun(newRun('resp_gone'));
      await store.appendEvents('resp_gone', events(0, 'response.queued', 'response.output_item.added'));
      await store.saveResponse(finished('resp_kept'));
      expect(await store.deleteResponse('alice', 'resp_gone')).toBe(true);
      expect(await store.getResponse('alice', 'resp_gone')).toBeUndefined();
      expect(await store.readEvents('alice', 'resp_gone', -1)).toBeUndefined();
      expect(await store.unfinishedRuns()).toEqual([]);
      expect((await store.findItemsById('alice', ['in_resp_gone'])).size).toBe(0);
      expect(await store.deleteResponse('alice', 'resp_gone')).toBe(false);
      // A run created again under the same id starts with an empty log: nothing of the deleted one was left.
      await store.createRun(newRun('resp_gone'));
      expect(await store.readEvents('alice', 'resp_gone', -1)).toEqual([]);

      expect(await store.deleteResponse('alice', 'resp_kept')).toBe(true);
      expect(await store.loadChain('alice', 'resp_kept')).toBeUndefined();
    });

    it('keeps the writes of one turn in order: a run begun, updated and logged without waiting in between', async () => {
      const { store } = await fresh();
      const run = newRun('resp_burst');
      await Promise.all([
        store.createRun(run),
        store.updateRun('resp_burst', { ...run.response, status: 'in_progress' }),
        store.appendEvents('resp_burst', events(0, 'response.queued', 'response.in_progress')),
        store.appendEvents('resp_burst', events(2, 'response.output_item.added')),
      ]);
      await store.flush();
      expect(await store.getResponse('alice', 'resp_burst')).toMatchObject({ status: 'in_progress' });
      expect(sequences(await store.readEvents('alice', 'resp_burst', -1))).toEqual([0, 1, 2]);
    });

    it('keeps that order for a run with a long input (which an implementation may take several turns to write)', async () => {
      const { store } = await fresh();
      const run = newRun('resp_long');
      run.input = Array.from({ length: 3000 }, (_, i) => ({ id: `in_${i}`, item: message(`in_${i}`, 'x'.repeat(500)), provider: null }));
      const running = { ...run.response, status: 'in_progress' as const };
      await Promise.all([
        store.createRun(run),
        store.updateRun('resp_long', running),
        store.appendEvents('resp_long', events(0, 'response.queued', 'response.in_progress')),
      ]);
      expect(await store.getResponse('alice', 'resp_long')).toEqual(running);
      expect(sequences(await store.readEvents('alice', 'resp_long', -1))).toEqual([0, 1]);
      const page = await store.listInputItems('alice', 'resp_long', { limit: 1, order: 'desc' });
      expect(page?.items.map((item) => item.id)).toEqual(['in_2999']);
    });

    it('keeps a conversation with its first items, its metadata, and items added later, scoped to its owner', async () => {
      const { store } = await fresh();
      await store.createConversation('alice', conversation('conv_1', { a: '1' }), [direct('c_1', 'one'), direct('c_2', 'two')]);
      expect(await store.getConversation('alice', 'conv_1')).toEqual(conversation('conv_1', { a: '1' }));
      expect(await store.addConversationItems('alice', 'conv_1', [direct('c_3', 'three', 'openai')], 1_700_000_010)).toBe(true);
      expect(await conversationIds(store, 'alice', 'conv_1')).toEqual(['c_1', 'c_2', 'c_3']);
      expect(await store.getConversationItem('alice', 'conv_1', 'c_2')).toEqual(message('c_2', 'two'));
      expect((await store.loadConversation('alice', 'conv_1'))?.map(({ item, provider }) => [item.id, provider])).toEqual([
        ['c_1', null],
        ['c_2', null],
        ['c_3', 'openai'],
      ]);
      expect(await store.updateConversation('alice', 'conv_1', { b: '2' }, 1_700_000_020)).toEqual(conversation('conv_1', { b: '2' }));

      expect(await store.getConversation('bob', 'conv_1')).toBeUndefined();
      expect(await store.updateConversation('bob', 'conv_1', { x: 'y' }, 1_700_000_030)).toBeUndefined();
      expect(await store.addConversationItems('bob', 'conv_1', [direct('c_bob', 'intruder')], 1_700_000_030)).toBe(false);
      expect(await store.listConversationItems('bob', 'conv_1', { limit: 20, order: 'asc' })).toBeUndefined();
      expect(await store.getConversationItem('bob', 'conv_1', 'c_1')).toBeUndefined();
      expect(await store.loadConversation('bob', 'conv_1')).toBeUndefined();
      expect(await store.deleteConversationItem('bob', 'conv_1', 'c_1')).toBe(false);
      expect(await store.deleteConversation('bob', 'conv_1')).toBe(false);
      expect(await conversationIds(store, 'alice', 'conv_1')).toEqual(['c_1', 'c_2', 'c_3']);

      expect(await store.deleteConversationItem('alice', 'conv_1', 'c_2')).toBe(true);
      expect(await store.deleteConversationItem('alice', 'conv_1', 'c_2')).toBe(false);
      expect(await conversationIds(store, 'alice', 'conv_1')).toEqual(['c_1', 'c_3']);
      expect(await store.deleteConversation('alice', 'conv_1')).toBe(true);
      expect(await store.getConversation('alice', 'conv_1')).toBeUndefined();
      expect(await store.listConversationItems('alice', 'conv_1', { limit: 20, order: 'asc' })).toBeUndefined();
    });

    it("lists a conversation's items in both orders, a page at a time after a cursor", async () => {
      const { store } = await fresh();
      await store.createConversation('alice', conversation('conv_pages'), [1, 2, 3, 4, 5].map((n) => direct(`c_${n}`, `item ${n}`)));
      const ids = async (options: { limit: number; order: 'asc' | 'desc'; after?: string }) => {
        const page = await store.listConversationItems('alice', 'conv_pages', options);
        return { ids: page?.items.map((item) => item.id), hasMore: page?.hasMore };
      };
      expect(await ids({ limit: 2, order: 'asc' })).toEqual({ ids: ['c_1', 'c_2'], hasMore: true });
      expect(await ids({ limit: 2, order: 'asc', after: 'c_4' })).toEqual({ ids: ['c_5'], hasMore: false });
      expect(await ids({ limit: 2, order: 'desc' })).toEqual({ ids: ['c_5', 'c_4'], hasMore: true });
      expect(await ids({ limit: 10, order: 'desc', after: 'c_3' })).toEqual({ ids: ['c_2', 'c_1'], hasMore: false });
      expect(await ids({ limit: 10, order: 'asc', after: 'c_unknown' })).toEqual({ ids: [], hasMore: false });
    });

    it("appends a response's input then output to its conversation when it is stored, foreground or background, and keeps them when the response is deleted", async () => {
      const { store } = await fresh();
      await store.createConversation('alice', conversation('conv_turns'), [direct('c_first', 'first')]);
      await store.saveResponse({ ...finished('resp_fg'), conversationId: 'conv_turns' });
      const run = newRun('resp_bg');
      await store.createRun(run);
      // Only its end appends a background run's items: begun, it is not in the conversation yet.
      expect(await conversationIds(store, 'alice', 'conv_turns')).toEqual(['c_first', 'in_resp_fg', 'msg_resp_fg']);
      await store.finishRun({ ...finished('resp_bg'), input: [], conversationId: 'conv_turns' }, []);
      expect(await conversationIds(store, 'alice', 'conv_turns')).toEqual(['c_first', 'in_resp_fg', 'msg_resp_fg', 'in_resp_bg', 'msg_resp_bg']);
      expect((await store.loadConversation('alice', 'conv_turns'))?.map(({ item, direction, provider }) => [item.id, direction, provider])).toEqual([
        ['c_first', 'input', null],
        ['in_resp_fg', 'input', null],
        ['msg_resp_fg', 'output', 'openai'],
        ['in_resp_bg', 'input', null],
        ['msg_resp_bg', 'output', 'openai'],
      ]);

      const before = await store.listConversationItems('alice', 'conv_turns', { limit: 100, order: 'asc' });
      expect(await store.deleteResponse('alice', 'resp_fg')).toBe(true);
      expect(await store.listConversationItems('alice', 'conv_turns', { limit: 100, order: 'asc' })).toEqual(before);
      expect((await store.loadConversation('alice', 'conv_turns'))?.[2]).toEqual({ item: answer('msg_resp_fg', 'hello'), direction: 'output', provider: 'openai' });
      expect(await store.deleteConversationItem('alice', 'conv_turns', 'msg_resp_fg')).toBe(true);

      // Deleting the conversation leaves the responses.
      expect(await store.deleteConversation('alice', 'conv_turns')).toBe(true);
      expect(await store.getResponse('alice', 'resp_bg')).toMatchObject({ id: 'resp_bg', output: [{ id: 'msg_resp_bg' }] });
      // A response stored into a conversation that is gone (or another key's) appends nothing and is stored all the same.
      await store.createConversation('bob', conversation('conv_bob'), []);
      await store.saveResponse({ ...finished('resp_late'), conversationId: 'conv_turns' });
      await store.saveResponse({ ...finished('resp_wrong_owner'), conversationId: 'conv_bob' });
      expect(await store.getResponse('alice', 'resp_late')).toMatchObject({ id: 'resp_late' });
      expect(await conversationIds(store, 'bob', 'conv_bob')).toEqual([]);
    });

    it('appends a long history to its conversation whole (a record an implementation may commit in slices)', async () => {
      const { store } = await fresh();
      await store.createConversation('alice', conversation('conv_long'), [direct('c_before', 'before')]);
      const input = Array.from({ length: 3000 }, (_, i) => message(`in_long_${i}`, 'x'.repeat(900)));
      await store.saveResponse({ ...finished('resp_long_conv', { input }), conversationId: 'conv_long' });
      const ids = await conversationIds(store, 'alice', 'conv_long');
      expect(ids?.length).toBe(100);
      const all = await store.loadConversation('alice', 'conv_long');
      expect(all?.map(({ item }) => item.id)).toEqual(['c_before', ...input.map((item) => item.id), 'msg_resp_long_conv']);
    });

    it('deletes expired responses and conversations in batches, oldest first, never a run going on', async () => {
      const { store } = await fresh();
      for (let day = 0; day < 5; day++) await store.saveResponse({ ...finished(`resp_day${day}`), response: { ...responseObject(`resp_day${day}`, 'completed', [answer(`msg_day${day}`, 'hi')]), created_at: 1_700_000_000 + day * 86_400 } });
      await store.createRun(newRun('resp_running', 1_700_000_000));
      await store.createConversation('alice', conversation('conv_old', {}, 1_700_000_000), []);
      await store.createConversation('alice', conversation('conv_used', {}, 1_700_000_000), []);
      await store.createConversation('alice', conversation('conv_new', {}, 1_700_000_000 + 4 * 86_400), []);
      // Used lately: retention counts from its last change.
      await store.addConversationItems('alice', 'conv_used', [direct('c_late', 'late')], 1_700_000_000 + 4 * 86_400);
      await store.saveResponse({ ...finished('resp_in_conv'), conversationId: 'conv_used' });

      const cutoffs = { responsesBefore: 1_700_000_000 + 3 * 86_400, conversationsBefore: 1_700_000_000 + 3 * 86_400 };
      expect(await store.deleteExpired(cutoffs, 2)).toEqual({ responses: 2, conversations: 1 });
      expect(await store.getResponse('alice', 'resp_day0')).toBeUndefined();
      expect(await store.getResponse('alice', 'resp_day2')).toMatchObject({ id: 'resp_day2' });
      expect(await store.deleteExpired(cutoffs, 2)).toEqual({ responses: 2, conversations: 0 });
      expect(await store.deleteExpired(cutoffs, 2)).toEqual({ responses: 0, conversations: 0 });
      expect(await store.getResponse('alice', 'resp_day3')).toMatchObject({ id: 'resp_day3' });
      expect(await store.getResponse('alice', 'resp_running')).toMatchObject({ status: 'queued' });
      expect(await store.getConversation('alice', 'conv_old')).toBeUndefined();
      // A response deleted by retention leaves what it appended to a conversation that is kept.
      expect(await store.getResponse('alice', 'resp_in_conv')).toBeUndefined();
      expect(await conversationIds(store, 'alice', 'conv_used')).toEqual(['c_late', 'in_resp_in_conv', 'msg_resp_in_conv']);
      expect(await store.deleteExpired({}, 10)).toEqual({ responses: 0, conversations: 0 });
    });

    it('writes webhook notices with a response end, and a claim leases due ones to one caller until the lease runs out', async () => {
      const { store } = await fresh();
      const t0 = 1_800_000_000_000;
      await store.saveResponse(finished('resp_fg'), [notice('resp_fg', HOOK_A, t0), notice('resp_fg', HOOK_B, t0)]);
      const run = newRun('resp_bg');
      await store.createRun(run);
      await store.finishRun({ ...finished('resp_bg'), input: [] }, events(0, 'response.completed'), [notice('resp_bg', HOOK_A, t0 + 10)]);

      expect(await store.webhookOutboxStats([HOOK_A, HOOK_B])).toEqual({ pending: 3, failed: 0, nextAttemptAt: t0 });
      // Not yet due; another endpoint's rows are left alone; the limit holds.
      expect(await store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0 - 1, leaseMs: 1000, limit: 10 })).toEqual([]);
      const first = await store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0 + 10, leaseMs: 1000, limit: 1 });
      expect(first).toEqual([{ ...notice('resp_fg', HOOK_A, t0), attempts: 0, leaseToken: expect.any(String) }]);
      const second = await store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0 + 10, leaseMs: 1000, limit: 10 });
      expect(second.map((d) => d.eventId)).toEqual(['evt_resp_bg']);
      expect(JSON.parse(second[0]!.payload)).toMatchObject({ id: 'evt_resp_bg', data: { id: 'resp_bg' } });
      // Both are held: nothing more for A until their leases run out, then they can be taken again.
      expect(await store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0 + 500, leaseMs: 1000, limit: 10 })).toEqual([]);
      expect((await store.webhookOutboxStats([HOOK_A])).nextAttemptAt).toBe(t0 + 1010);
      const retaken = await store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0 + 1010, leaseMs: 1000, limit: 10 });
      expect(retaken.map((d) => d.eventId).sort()).toEqual(['evt_resp_bg', 'evt_resp_fg']);
      // The first claim lost its lease: settling under it changes nothing.
      await store.settleWebhookDelivery(first[0]!, { type: 'delivered' });
      expect((await store.webhookOutboxStats([HOOK_A, HOOK_B])).pending).toBe(3);
    });

    it('settles claimed deliveries: delivered ones leave, retried ones wait for their time, failed ones are counted and never claimed', async () => {
      const { store, reopen } = await fresh();
      const t0 = 1_800_000_000_000;
      await store.saveResponse(finished('resp_1'), [notice('resp_1', HOOK_A, t0)]);
      await store.saveResponse(finished('resp_2'), [notice('resp_2', HOOK_A, t0)]);
      await store.saveResponse(finished('resp_3'), [notice('resp_3', HOOK_A, t0)]);
      const claim = { endpoints: [HOOK_A], leaseMs: 60_000, limit: 10 };
      const [one, two, three] = await store.claimWebhookDeliveries({ ...claim, now: t0 });
      await store.settleWebhookDelivery(one!, { type: 'delivered' });
      await store.settleWebhookDelivery(two!, { type: 'retry', attempts: 1, nextAttemptAt: t0 + 5000, lastError: 'answered 503' });
      await store.settleWebhookDelivery(three!, { type: 'failed', attempts: 7, lastError: 'answered 500' });
      expect(await store.webhookOutboxStats([HOOK_A])).toEqual({ pending: 1, failed: 1, nextAttemptAt: t0 + 5000 });
      expect(await store.claimWebhookDeliveries({ ...claim, now: t0 + 4999 })).toEqual([]);

      // The outbox is durable: a restart finds the retry where it was left.
      await store.close();
      open.splice(open.indexOf(store), 1);
      const again = await reopen();
      open.push(again);
      const retried = await again.claimWebhookDeliveries({ ...claim, now: t0 + 5000 });
      expect(retried).toEqual([{ ...notice('resp_2', HOOK_A, t0), attempts: 1, leaseToken: expect.any(String) }]);
      expect(await again.webhookOutboxStats([HOOK_A])).toMatchObject({ pending: 1, failed: 1 });
    });

    it('gives concurrent claims disjoint deliveries, and loses none of them', async () => {
      const { store } = await fresh();
      const t0 = 1_800_000_000_000;
      const ids = Array.from({ length: 12 }, (_, i) => `resp_claim_${i}`);
      for (const id of ids) await store.saveResponse(finished(id), [notice(id, HOOK_A, t0)]);
      const claims = await Promise.all(
        Array.from({ length: 4 }, () => store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: t0, leaseMs: 60_000, limit: 5 })),
      );
      const claimed = claims.flat().map((d) => d.responseId);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual([...ids].sort());
    });

    it('appends concurrent writes to one conversation each at its own positions, none lost', async () => {
      const { store } = await fresh();
      await store.createConversation('alice', conversation('conv_busy'), []);
      const writers = Array.from({ length: 8 }, (_, i) => i);
      await Promise.all([
        ...writers.map((i) => store.addConversationItems('alice', 'conv_busy', [direct(`item_${i}_a`, 'a'), direct(`item_${i}_b`, 'b')], 1_700_000_100)),
        ...writers.map((i) => store.saveResponse({ ...finished(`resp_busy_${i}`), conversationId: 'conv_busy' })),
      ]);
      const ids = (await conversationIds(store, 'alice', 'conv_busy'))!;
      expect(ids).toHaveLength(32);
      // Each write's items stay together, in their order: added pairs, and each response's input then output.
      for (const i of writers) {
        expect(ids.indexOf(`item_${i}_b`)).toBe(ids.indexOf(`item_${i}_a`) + 1);
        expect(ids.indexOf(`msg_resp_busy_${i}`)).toBe(ids.indexOf(`in_resp_busy_${i}`) + 1);
      }
    });

    it('writes no notice when the response end it comes with is not written', async () => {
      const { store } = await fresh();
      await store.saveResponse(finished('resp_dup'));
      await expect(store.saveResponse(finished('resp_dup'), [notice('resp_dup', HOOK_A, 1)])).rejects.toThrow();
      expect(await store.webhookOutboxStats([HOOK_A])).toEqual({ pending: 0, failed: 0, nextAttemptAt: null });
    });
  });
}
