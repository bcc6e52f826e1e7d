// /v1/responses: create (JSON or SSE), retrieve, delete, list input items; each id scoped to the caller's key.
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { invalidRequest, notFound } from '../errors/gateway-error.js';
import { completeResponse, executeResponse, planResponse, type PipelineDeps } from '../pipeline/run-response.js';
import { UpstreamAbort } from '../providers/upstream-abort.js';
import type { ResponsesEvent } from '../../transformers/responses-types.js';
import type { AuthVariables } from '../server/authenticate.js';
import { readJsonBody } from '../server/read-json-body.js';
import { SseWriter } from '../server/write-sse.js';
import { listBody, parseListQuery, toListedItem } from './list-params.js';

type Env = { Bindings: HttpBindings; Variables: AuthVariables };

const responseNotFound = (id: string) => notFound(`No response found with id '${id}'.`, 'response_not_found', 'response_id');

export function responsesRoutes(deps: PipelineDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.post('/', async (c) => {
    const body = await readJsonBody(c.env.incoming, deps.config.server.body_limit_mb);
    const plan = await planResponse(deps, c.get('owner'), body);
    const abort = new UpstreamAbort();
    const outgoing = c.env.outgoing;
    // A client that leaves before the end stops the upstream call; one that got its whole answer stops nothing.
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) abort.abort();
    });
    // The response's JSON text as it was stored (see completeResponse); headers built per answer, as c.json does.
    if (!plan.stream) return c.body(await completeResponse(deps, plan, abort), 200, { 'content-type': 'application/json' });

    const run = executeResponse(deps, plan, abort);
    // The first batch decides between an HTTP error (thrown here, before any byte) and a stream.
    const first = await run.next();
    void pump(new SseWriter(outgoing), first.done ? undefined : first.value, run);
    return RESPONSE_ALREADY_SENT;
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (c.req.query('stream') === 'true') {
      throw invalidRequest('stream', 'Replaying a stored response as a stream needs background mode, which this gateway does not support yet.', 'unsupported_parameter');
    }
    const response = await deps.store.getResponse(c.get('owner'), id);
    if (!response) throw responseNotFound(id);
    return c.json(response);
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    // Another process's write lock (a backup's, an operator's sqlite3) is waited for inside the store, off the
    // event loop; past the wait it throws a 503 `store_busy` the client may retry.
    if (!(await deps.store.deleteResponse(c.get('owner'), id))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  app.post('/:id/cancel', async (c) => {
    const id = c.req.param('id');
    if (!(await deps.store.getResponse(c.get('owner'), id))) throw responseNotFound(id);
    throw invalidRequest(null, 'Only responses created with the `background` parameter set to `true` can be cancelled.', 'not_cancellable');
  });

  app.get('/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const page = await deps.store.listInputItems(c.get('owner'), id, parseListQuery(c.req.query()));
    if (!page) throw responseNotFound(id);
    return c.json(listBody(page.items.map(toListedItem), page.hasMore));
  });

  return app;
}

/** Streams the run's events to the client until the run ends or the client goes away. */
async function pump(writer: SseWriter, first: ResponsesEvent[] | undefined, run: AsyncGenerator<ResponsesEvent[]>) {
  try {
    let batch = first;
    while (batch !== undefined && !writer.closed) {
      // A full socket is waited for before the next event: a burst of large events is not all held at once.
      for (const event of batch) {
        const ready = writer.push(event);
        if (ready !== true && !(await ready)) return;
      }
      const step = await run.next();
      batch = step.done ? undefined : step.value;
    }
    writer.end();
  } catch (err) {
    // Failures after the first byte, a store failure included, are already events in the stream (error +
    // response.failed); what lands here is a broken socket, and the client can only be cut off.
    writer.destroy(err as Error);
  } finally {
    await run.return(undefined as never).catch(() => undefined);
  }
}
