// The run-lease cases every ResponseStore must pass: a run is held by one instance at a time, taken over only when its lease lapses, and a cancel reaches its holder.
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseStore } from '../../src/store/response-store.js';
import { events, finished, newRun, type OpenedTestStore } from './store-contract.js';

const T = 1_800_000_000_000;
const LEASE = 30_000;

export function describeRunLeaseContract(name: string, openStore: () => Promise<OpenedTestStore>): void {
  describe(`ResponseStore run leases: ${name}`, () => {
    const open: ResponseStore[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });
    const fresh = async () => {
      const opened = await openStore();
      open.push(opened.store);
      return opened.store;
    };
    const ids = (runs: { id: string }[]) => runs.map((run) => run.id);

    it('takes a run over only once its lease has lapsed, and never from the instance holding it', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_held'), lease: { instance: 'a', until: T + LEASE } });
      await store.appendEvents('resp_held', events(0, 'response.queued', 'response.output_item.added'));
      expect(await store.takeOverRuns({ instance: 'b', now: T + LEASE - 1, until: T + 2 * LEASE, running: [], limit: 10 })).toEqual([]);
      // Its holder does not take a run it still runs, lapsed or not (it could not renew for a while).
      expect(await store.takeOverRuns({ instance: 'a', now: T + LEASE, until: T + 2 * LEASE, running: ['resp_held'], limit: 10 })).toEqual([]);

      const taken = await store.takeOverRuns({ instance: 'b', now: T + LEASE, until: T + 2 * LEASE, running: [], limit: 10 });
      expect(taken).toMatchObject([{ id: 'resp_held', owner: 'alice', producedOutput: true, lastSequence: 1, cancelRequested: false }]);
      // Now b holds it: c cannot take it until b's lease lapses in turn.
      expect(await store.takeOverRuns({ instance: 'c', now: T + LEASE, until: T + 2 * LEASE, running: [], limit: 10 })).toEqual([]);
      expect(await store.runLeaseState('a', ['resp_held'])).toEqual({ lost: ['resp_held'], cancelRequested: [] });
      expect(await store.runLeaseState('b', ['resp_held'])).toEqual({ lost: [], cancelRequested: [] });
    });

    it('lets an instance take over its own lapsed run that it no longer runs (its end could not be stored)', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_orphan'), lease: { instance: 'a', until: T + LEASE } });
      await store.createRun({ ...newRun('resp_live'), lease: { instance: 'a', until: T + LEASE } });
      const taken = await store.takeOverRuns({ instance: 'a', now: T + LEASE, until: T + 2 * LEASE, running: ['resp_live'], limit: 10 });
      expect(ids(taken)).toEqual(['resp_orphan']);
      expect(await store.runLeaseState('a', ['resp_orphan', 'resp_live'])).toEqual({ lost: [], cancelRequested: [] });
    });

    it('applies a run\'s writes only while the writer holds the run: a lost run gets nothing more, and other writes are not held up', async () => {
      const store = await fresh();
      const run = { ...newRun('resp_fenced'), lease: { instance: 'a', until: T + LEASE } };
      await store.createRun(run);
      await store.appendEvents('resp_fenced', events(0, 'response.queued'), 'a');
      await store.updateRun('resp_fenced', { ...run.response, status: 'in_progress' }, 'a');
      await store.takeOverRuns({ instance: 'b', now: T + LEASE, until: T + 2 * LEASE, running: [], limit: 10 });

      // a, which lost it, writes nothing more of it; a save beside its write goes through.
      const late = Promise.allSettled([
        store.appendEvents('resp_fenced', events(1, 'response.output_item.added'), 'a'),
        store.updateRun('resp_fenced', { ...run.response, status: 'in_progress', metadata: { late: 'yes' } }, 'a'),
        store.restartRun('resp_fenced', 'a'),
        store.finishRun({ ...finished('resp_fenced'), response: { ...finished('resp_fenced').response, background: true }, holder: 'a' }, events(2, 'response.completed')),
        store.saveResponse(finished('resp_beside')),
      ]);
      const outcomes = await late;
      expect(outcomes.slice(0, 4).map((o) => (o.status === 'rejected' ? (o.reason as Error).name : o.status))).toEqual(['RunLeaseLost', 'RunLeaseLost', 'RunLeaseLost', 'RunLeaseLost']);
      expect(outcomes[4]!.status).toBe('fulfilled');
      expect(await store.getResponse('alice', 'resp_beside')).toBeDefined();
      expect((await store.readEvents('alice', 'resp_fenced', -1))?.map((e) => e.type)).toEqual(['response.queued']);
      const kept = await store.getResponse('alice', 'resp_fenced');
      expect(kept).toMatchObject({ status: 'in_progress' });
      expect(kept).not.toHaveProperty('metadata.late');

      // b, which holds it, writes as usual; once it has ended, no holder writes to it any more.
      await store.restartRun('resp_fenced', 'b');
      await store.finishRun({ ...finished('resp_fenced'), response: { ...finished('resp_fenced').response, background: true }, input: [], holder: 'b' }, events(0, 'response.completed'));
      expect(await store.getResponse('alice', 'resp_fenced')).toMatchObject({ status: 'completed' });
      await expect(store.restartRun('resp_fenced', 'b')).rejects.toThrow(/no longer holds run resp_fenced/);
      expect(await store.getResponse('alice', 'resp_fenced')).toMatchObject({ status: 'completed' });
    });

    it('renews only the leases the instance holds', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_a'), lease: { instance: 'a', until: T + LEASE } });
      await store.createRun({ ...newRun('resp_b'), lease: { instance: 'b', until: T + LEASE } });
      await store.renewRunLeases('a', ['resp_a', 'resp_b'], T + 3 * LEASE);
      const taken = await store.takeOverRuns({ instance: 'c', now: T + 2 * LEASE, until: T + 4 * LEASE, running: [], limit: 10 });
      expect(ids(taken)).toEqual(['resp_b']);
      await store.renewRunLeases('a', [], T + 5 * LEASE);
    });

    it('takes a run stored without a lease at once, oldest first, at most `limit` at a time', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_2', 1_700_000_200), requestId: 'req_two' });
      await store.createRun(newRun('resp_1', 1_700_000_100));
      await store.createRun(newRun('resp_3', 1_700_000_300));
      const taken = await store.takeOverRuns({ instance: 'b', now: 0, until: T, running: [], limit: 2 });
      expect(taken.map(({ id, requestId }) => [id, requestId])).toEqual([
        ['resp_1', null],
        ['resp_2', 'req_two'],
      ]);
      expect(ids(await store.takeOverRuns({ instance: 'c', now: 0, until: T, running: [], limit: 2 }))).toEqual(['resp_3']);
    });

    it('lets the runs of an instance that shut down be taken over at once', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_left'), lease: { instance: 'a', until: T + LEASE } });
      await store.releaseRunLeases('a');
      expect(ids(await store.takeOverRuns({ instance: 'b', now: T, until: T + LEASE, running: [], limit: 10 }))).toEqual(['resp_left']);
    });

    it('passes a cancel to the holder, and to whoever takes the run over', async () => {
      const store = await fresh();
      await store.createRun({ ...newRun('resp_stop'), lease: { instance: 'a', until: T + LEASE } });
      expect(await store.requestRunCancel('bob', 'resp_stop')).toBe(false);
      expect(await store.runLeaseState('a', ['resp_stop'])).toEqual({ lost: [], cancelRequested: [] });
      expect(await store.requestRunCancel('alice', 'resp_stop')).toBe(true);
      expect(await store.runLeaseState('a', ['resp_stop', 'resp_unknown'])).toEqual({ lost: [], cancelRequested: ['resp_stop'] });
      expect(await store.takeOverRuns({ instance: 'b', now: T + LEASE, until: T + 2 * LEASE, running: [], limit: 10 })).toMatchObject([{ id: 'resp_stop', cancelRequested: true }]);

      // A run that has ended has nothing to cancel.
      await store.finishRun({ ...finished('resp_stop'), response: { ...finished('resp_stop').response, status: 'cancelled', background: true } }, []);
      expect(await store.requestRunCancel('alice', 'resp_stop')).toBe(false);
      expect(await store.runLeaseState('b', ['resp_stop'])).toEqual({ lost: [], cancelRequested: [] });
    });

    it('gives a lapsed run to one of several instances sweeping at once', async () => {
      const store = await fresh();
      for (let i = 0; i < 6; i++) await store.createRun({ ...newRun(`resp_${i}`, 1_700_000_000 + i), lease: { instance: 'dead', until: T } });
      const sweeps = await Promise.all(
        ['b', 'c', 'd', 'e'].map((instance) => store.takeOverRuns({ instance, now: T + 1, until: T + LEASE, running: [], limit: 6 })),
      );
      const all = sweeps.flatMap(ids).sort();
      expect(all).toEqual(['resp_0', 'resp_1', 'resp_2', 'resp_3', 'resp_4', 'resp_5']);
    });
  });
}
