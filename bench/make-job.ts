// Builds the LoadJob that asks one target for a given mock behaviour, in the request shape that target speaks.
import type { MockShape } from './mock-bodies.js';
import { mockModelName, type MockProfile } from './mock-profile.js';
import type { LoadJob } from './load-types.js';
import { chatBody, responsesBody, type InputKind } from './request-bodies.js';
import type { BenchTarget } from './start-targets.js';

export interface JobSpec {
  label: string;
  shape?: MockShape;
  mock: Partial<MockProfile>;
  inputBytes?: number;
  inputKind?: InputKind;
  stream?: boolean;
  store?: boolean;
  /** A background run, followed to its end with `GET …?stream=true` (the gateway only). */
  background?: boolean;
  previousResponseId?: string;
  concurrency: number;
  count: number;
  durationMs: number;
  abortAfterEvents?: number;
  verifyStored?: boolean;
}

export function makeJob(target: BenchTarget, spec: JobSpec): LoadJob {
  const shape = spec.shape ?? 'responses';
  const { path, clientShape } = target.route(shape);
  const background = spec.background ?? false;
  // A background run is created without `stream` (answered `queued` at once) and read as the stream it follows with.
  const stream = background || (spec.stream ?? false);
  const body = {
    model: target.model(mockModelName(spec.mock), shape),
    inputBytes: spec.inputBytes ?? 1024,
    inputKind: spec.inputKind ?? 'string',
    stream: stream && !background,
    ...(spec.store === undefined ? {} : { store: spec.store }),
    background,
    ...(spec.previousResponseId === undefined ? {} : { previousResponseId: spec.previousResponseId }),
  };
  return {
    label: `${spec.label} → ${target.name}`,
    origin: target.origin,
    ...(target.moreInstances === undefined ? {} : { moreOrigins: target.moreInstances.map((i) => i.origin) }),
    path,
    headers: target.headers,
    bodies: [clientShape === 'chat' ? chatBody(body) : responsesBody(body)],
    stream,
    concurrency: spec.concurrency,
    count: spec.count,
    durationMs: spec.durationMs,
    ...(stream ? { expectTail: clientShape === 'chat' ? '[DONE]' : 'response.completed' } : {}),
    ...(spec.abortAfterEvents === undefined ? {} : { abortAfterEvents: spec.abortAfterEvents }),
    ...(spec.verifyStored === undefined ? {} : { verifyStored: spec.verifyStored }),
    ...(background ? { background } : {}),
  };
}
