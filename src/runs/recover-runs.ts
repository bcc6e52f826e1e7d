// Restart recovery: runs a stopped instance left queued or in progress are run again (no output yet), ended failed (output lost), or ended cancelled (a cancel was asked for); none stays in progress.
import { settleResponse } from '../../transformers/response-snapshot.js';
import type { ResponsesEvent } from '../../transformers/responses-types.js';
import { errorEvent } from '../../transformers/stream-event-shapes.js';
import { GatewayError } from '../errors/gateway-error.js';
import { planResponse, type PipelineDeps } from '../pipeline/run-response.js';
import { RunLeaseLost } from '../store/run-lease-lost.js';
import type { UnfinishedRun } from '../store/response-store.js';
import type { RunRegistry } from './run-registry.js';

export interface Recovered {
  rerun: number;
  failed: number;
  cancelled: number;
}

/**
 * Applied to runs this instance (`instance`) has just taken over (at start, or from another instance whose
 * lease lapsed). A run that had produced no output is planned again from its stored request and runs from the
 * start under the same id (its clients saw only its lifecycle events). A run that had produced output cannot
 * be resumed upstream: it ends `failed`, with `error` + `response.failed` appended to its log, so a client that
 * resumes its stream gets the terminal event. A run a cancel was asked for ends `cancelled`. Each write is
 * made as the run's holder: a run another instance took or ended meanwhile is left to it. A run that cannot be
 * recovered now (the store failed, the gateway is shutting down) stays leased to this instance and is taken
 * over again when that lease lapses (or at once, after shutdown releases it).
 */
export async function recoverRuns(deps: PipelineDeps, runs: RunRegistry, taken: UnfinishedRun[], instance: string): Promise<Recovered> {
  const recovered = { rerun: 0, failed: 0, cancelled: 0 };
  for (const left of taken) {
    if (runs.shuttingDown) break;
    try {
      recovered[await recoverRun(deps, runs, left, instance)]++;
    } catch (err) {
      if (err instanceof RunLeaseLost) continue;
      if (err instanceof GatewayError && err.code === 'server_shutting_down') break;
      deps.logger.error({ err, response_id: left.id }, 'a run taken over could not be recovered now; it is taken over again when its lease lapses');
    }
  }
  return recovered;
}

async function recoverRun(deps: PipelineDeps, runs: RunRegistry, left: UnfinishedRun, instance: string): Promise<keyof Recovered> {
  if (left.cancelRequested) {
    await endLeftRun(deps, left, 'cancelled', instance);
    return 'cancelled';
  }
  if (!left.producedOutput) {
    // Under the request id of the request that created it: upstream gets it again, and the log lines carry it.
    const request = left.requestId === null ? undefined : { requestId: left.requestId, logger: deps.logger.child({ request_id: left.requestId }), facts: {} };
    const plan = await planResponse(deps, left.owner, left.request, left.id, request).catch((err: unknown) => {
      // The request no longer plans (its model left the config, its previous response was deleted): it fails.
      deps.logger.warn({ err, response_id: left.id }, 'a run left queued could not be planned again; it is ended failed');
      return undefined;
    });
    if (plan) {
      await deps.store.restartRun(left.id, instance);
      await runs.start(plan, 'background', { rerun: true });
      return 'rerun';
    }
  }
  await endLeftRun(deps, left, 'failed', instance);
  return 'failed';
}

const unixNow = () => Math.floor(Date.now() / 1000);
const RESTARTED = { code: 'server_error', message: 'The gateway restarted while this response was running, and its run could not be resumed.' };

async function endLeftRun(deps: PipelineDeps, left: UnfinishedRun, status: 'failed' | 'cancelled', holder: string): Promise<void> {
  const response = settleResponse({ ...left.response, output: [], error: null }, status, unixNow(), status === 'failed' ? RESTARTED : undefined);
  const next = left.lastSequence + 1;
  const events: ResponsesEvent[] =
    status === 'failed'
      ? [
          { ...errorEvent(RESTARTED), sequence_number: next },
          { type: 'response.failed', sequence_number: next + 1, response },
        ]
      : [{ type: 'response.cancelled', sequence_number: next, response }];
  await deps.store.finishRun(
    { owner: left.owner, provider: left.provider, upstreamId: null, previousResponseId: left.response.previous_response_id as string | null, response, input: [], holder },
    events,
  );
  if (status === 'failed') deps.logger.warn({ response_id: left.id }, 'a run whose instance stopped while it was in progress is ended failed');
  else deps.logger.info({ response_id: left.id }, 'a run whose instance stopped was asked to be cancelled: it is ended cancelled');
}
