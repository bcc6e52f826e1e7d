// /v1/responses: create (JSON, SSE or background), retrieve (or stream again), cancel, delete, list input items; each id scoped to the caller's key.
import { Hono } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { invalidRequest, notFound } from '../errors/gateway-error.js';
import { completeResponse, planResponse, type PipelineDeps } from '../pipeline/run-response.js';
import { UpstreamAbort } from '../providers/upstream-abort.js';
import { isRunning, shuttingDown, type RunRegistry } from '../runs/run-registry.js';
import { followStoredRun, subscribeSse } from '../runs/subscribe-run.js';
import type { AppEnv } from '../server/create-app.js';
import { readJsonBody } from '../server/read-json-body.js';
import { listBody, parseListQuery, toListedItem } from './list-params.js';

type Env = AppEnv;

const responseNotFound = (id: string) => notFound(`No response found with id '${id}'.`, 'response_not_found', 'response_id');
/** A JSON answer's headers: the provider that served it (after any fallback) in `x-junction-provider`. */
const jsonHeaders = (provider: string) => ({ 'content-type': 'application/json', 'x-junction-provider': provider });

export function responsesRoutes(deps: PipelineDeps, runs: RunRegistry): Hono<Env> {
  const app = new Hono<Env>();
  const heartbeatMs = deps.config.server.heartbeat_s * 1000;
  const pollMs = deps.config.background.poll_ms;

  app.post('/', async (c) => {
    // Counted before the body is read: a refused request costs the gateway nothing more. A key without limits
    // gets no promise back, so it waits for nothing.
    const admitting = deps.keyLimits?.admit(c.get('owner'));
    if (admitting) await admitting;
    const body = await readJsonBody(c.env.incoming, deps.config.server.body_limit_mb);
    const plan = await planResponse(deps, c.get('owner'), body, undefined, c.get('request'));
    const outgoing = c.env.outgoing;

    if (plan.background) {
      // Answered once its first state is stored; the run goes on whatever this client does.
      const run = await runs.start(plan, 'background');
      if (!plan.stream) return c.json(run.snapshot(), 200, { 'x-junction-provider': plan.provider.name });
      subscribeSse(run, outgoing, { heartbeatMs });
      return RESPONSE_ALREADY_SENT;
    }

    const abort = new UpstreamAbort();
    let opened;
    if (!plan.stream && plan.provider.complete) {
      const leave = () => !outgoing.writableFinished && abort.abort();
      outgoing.once('close', leave);
      // Not a run (one upstream body, nothing to publish), but shutdown waits for it and then stops it all the same.
      const call = runs.track(abort);
      let answer;
      try {
        // The response's JSON text as it was stored; headers built per answer, as c.json does.
        answer = await completeResponse(deps, plan, abort);
      } catch (err) {
        throw call.cut ? shuttingDown() : err;
      } finally {
        call.end();
      }
      if (typeof answer === 'string') return c.body(answer, 200, jsonHeaders(plan.provider.name));
      outgoing.off('close', leave);
      opened = answer; // upstream streamed although asked for one body: folded like any stream
    }
    const run = await runs.start(plan, plan.stream ? 'stream' : 'json', { opened, abort });
    // A client that leaves before the end stops the run; one that got its whole answer stops nothing.
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) run.clientLeft();
    });
    if (!plan.stream) return c.body((await run.finished).json, 200, jsonHeaders(plan.provider.name));
    subscribeSse(run, outgoing, { heartbeatMs });
    // A failure before the first output is thrown here, as the HTTP error, before any byte of the stream.
    await run.opened;
    return RESPONSE_ALREADY_SENT;
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const owner = c.get('owner');
    const live = runs.get(owner, id);
    const running = live?.mode === 'background' ? live : undefined;
    if (c.req.query('stream') !== 'true') {
      if (running) return c.json(running.snapshot());
      const response = await deps.store.getResponse(owner, id);
      if (!response) throw responseNotFound(id);
      return c.json(response);
    }
    const after = startingAfter(c.req.query('starting_after'));
    if (running) {
      subscribeSse(running, c.env.outgoing, { after, heartbeatMs });
      return RESPONSE_ALREADY_SENT;
    }
    const response = await deps.store.getResponse(owner, id);
    if (!response) throw responseNotFound(id);
    if (response.background !== true) {
      throw invalidRequest('stream', 'Only responses created with `background: true` can be streamed again.', 'invalid_value');
    }
    // Finished, or run by another instance: its log from the store, followed while it goes on.
    const read = {
      events: (from: number) => deps.store.readEvents(owner, id, from),
      running: async () => {
        const now = await deps.store.getResponse(owner, id);
        return now !== undefined && isRunning(now);
      },
    };
    await followStoredRun(c.env.outgoing, read, { after, heartbeatMs, pollMs });
    return RESPONSE_ALREADY_SENT;
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    const owner = c.get('owner');
    // A background run still going is cancelled first: nothing of it is written after the delete. (A foreground
    // one is not stored until it ends: its id is not found yet.)
    const live = runs.get(owner, id);
    if (live?.mode === 'background') await live.cancel();
    else await runs.cancelElsewhere(owner, id);
    // Another process's write lock (a backup's, an operator's sqlite3) is waited for inside the store, off the
    // event loop; past the wait it throws a 503 `store_busy` the client may retry.
    if (!(await deps.store.deleteResponse(owner, id))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  app.post('/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const owner = c.get('owner');
    const live = runs.get(owner, id);
    if (live?.mode === 'background') return c.body((await live.cancel()).json, 200, { 'content-type': 'application/json' });
    // Run by another instance: it is asked to cancel, and its end awaited.
    const response = (await runs.cancelElsewhere(owner, id)) ?? (await deps.store.getResponse(owner, id));
    if (!response && !live) throw responseNotFound(id);
    if (response?.background !== true) {
      throw invalidRequest(null, 'Only responses created with the `background` parameter set to `true` can be cancelled.', 'not_cancellable');
    }
    // A run that has ended stays as it ended.
    return c.json(response);
  });

  app.get('/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const page = await deps.store.listInputItems(c.get('owner'), id, parseListQuery(c.req.query()));
    if (!page) throw responseNotFound(id);
    return c.json(listBody(page.items.map(toListedItem), page.hasMore));
  });

  return app;
}

/** `starting_after`: the sequence number after which a stream resumes; absent: from the first event. */
function startingAfter(value: string | undefined): number {
  if (value === undefined) return -1;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw invalidRequest('starting_after', `Invalid 'starting_after': expected a non-negative integer, got '${value}'.`, 'invalid_value');
  }
  return n;
}
