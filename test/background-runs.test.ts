// Background runs through the real `openai` SDK: create queued, poll, stream and resume mid-run, cancel, limits, owners.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, gate } from './support/mock-upstream.js';
import { streamViolations } from './support/stream-invariants.js';
import { useGatewayWithMock } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
/** The recording up to its first text delta, and from it on. */
const HEAD = FIXTURE.slice(0, FIXTURE.indexOf('event: response.output_text.delta'));
const TAIL = FIXTURE.slice(HEAD.length);

const env = useGatewayWithMock({ background: { max_concurrent: 2 } });
let alice: OpenAI;
let bob: OpenAI;

beforeAll(() => {
  alice = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-bob', maxRetries: 0 });
});

type StreamEvent = OpenAI.Responses.ResponseStreamEvent;

/** Reads a stream to its end. */
async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Reads a stream until an event matches, then leaves it (a client that disconnects). */
async function readUntil(stream: AsyncIterable<StreamEvent> & { controller: AbortController }, type: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (event.type === type) break; // breaking out of the loop aborts the request
  }
  return events;
}

/** Waits for the run's end by following its stream (no polling). */
const followToEnd = async (id: string) => collect(await alice.responses.retrieve(id, { stream: true }));

async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err.status!;
    throw err;
  }
}

describe('background: true, stream: false', () => {
  it('answers at once with the response queued, and the run goes on: retrieve shows it live, then completed', async () => {
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    expect(created).toMatchObject({ status: 'queued', background: true, output: [], store: true });

    const subscriber = alice.responses.retrieve(created.id, { stream: true });
    const live = await alice.responses.retrieve(created.id);
    expect(['queued', 'in_progress']).toContain(live.status);

    thinking.open();
    const events = await collect(await subscriber);
    expect(events[0]!.type).toBe('response.created');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(streamViolations(events as unknown as Parameters<typeof streamViolations>[0])).toEqual([]);

    const done = await alice.responses.retrieve(created.id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual((events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response.output);
    expect(done.output_text).not.toBe('');
    // What the upstream was asked: a plain stream, never upstream's own background mode.
    expect(env.upstream.received.at(-1)!.json).toMatchObject({ stream: true });
    expect(env.upstream.received.at(-1)!.json).not.toHaveProperty('background');
  });

  it('refuses store: false with a 400 naming `store`', async () => {
    const err = await alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true, store: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('store');
  });
});

describe('background: true, stream: true', () => {
  it('begins with response.created (queued) and response.queued, goes on when the client leaves, and resumes after starting_after', async () => {
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const stream = await alice.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true, stream: true });
    const first = await readUntil(stream, 'response.content_part.added');
    expect(first.slice(0, 3).map((e) => e.type)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    expect((first[0] as OpenAI.Responses.ResponseCreatedEvent).response.status).toBe('queued');
    const id = (first[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    const last = first.at(-1)!.sequence_number;

    // Two subscribers at once: one resuming where the first client left, one from the start.
    const resumed = alice.responses.retrieve(id, { stream: true, starting_after: last });
    const whole = alice.responses.retrieve(id, { stream: true });
    const [resumedStream, wholeStream] = await Promise.all([resumed, whole]);
    thinking.open();
    const [rest, all] = await Promise.all([collect(resumedStream), collect(wholeStream)]);

    expect(rest[0]!.sequence_number).toBe(last + 1);
    expect(rest.at(-1)!.type).toBe('response.completed');
    expect([...first, ...rest]).toEqual(all);
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(streamViolations(all as unknown as Parameters<typeof streamViolations>[0])).toEqual([]);

    // A finished run replays from its log and ends with its terminal event.
    const replay = await collect(await alice.responses.retrieve(id, { stream: true, starting_after: 0 }));
    expect(replay).toEqual(all.slice(1));
  });

  it('serves the SDK’s own resume helper, responses.stream({response_id, starting_after}), which replays from the start and filters', async () => {
    const thinking = gate();
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, thinking.promise, TAIL] });
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    const helper = alice.responses.stream({ response_id: created.id, starting_after: 3 });
    thinking.open();
    const events = await collect(helper);
    expect(events[0]!.sequence_number).toBe(4);
    const final = await helper.finalResponse();
    expect(final).toMatchObject({ id: created.id, status: 'completed' });
    expect(final.output_text).not.toBe('');
  });

  it('keeps a non-background response out of stream replay (400)', async () => {
    env.upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    const plain = await alice.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(await statusOf(() => alice.responses.retrieve(plain.id, { stream: true }).then(collect))).toBe(400);
  });
});

describe('cancel', () => {
  it('aborts upstream mid-run and ends the run cancelled, for every subscriber and in the store; again it changes nothing', async () => {
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const stream = await alice.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true, stream: true });
    const first = await readUntil(stream, 'response.content_part.added');
    const id = (first[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    const subscriber = await alice.responses.retrieve(id, { stream: true, starting_after: first.at(-1)!.sequence_number });

    const cancelled = await alice.responses.cancel(id);
    expect(cancelled.status).toBe('cancelled');
    const tail = await collect(subscriber);
    expect(tail.at(-1)).toMatchObject({ type: 'response.cancelled', response: { status: 'cancelled' } });
    await env.upstream.idle(); // the upstream call was aborted

    expect((await alice.responses.cancel(id)).status).toBe('cancelled');
    expect((await alice.responses.retrieve(id)).status).toBe('cancelled');
    const replay = await collect(await alice.responses.retrieve(id, { stream: true }));
    expect(replay.at(-1)!.type).toBe('response.cancelled');
  });

  it('leaves a finished run as it ended, refuses a foreground response, and hides another key’s run (404)', async () => {
    env.upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true });
    await followToEnd(created.id);
    expect((await alice.responses.cancel(created.id)).status).toBe('completed');

    expect(await statusOf(() => bob.responses.cancel(created.id))).toBe(404);
    expect(await statusOf(() => bob.responses.retrieve(created.id))).toBe(404);
    expect(await statusOf(() => bob.responses.retrieve(created.id, { stream: true }).then(collect))).toBe(404);

    env.upstream.reply('/v1/responses', { body: '', script: [FIXTURE] });
    const plain = await alice.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(await statusOf(() => alice.responses.cancel(plain.id))).toBe(400);
  });

  it('cancels a run still waiting for a slot without ever calling upstream', async () => {
    const holds = [gate(), gate()];
    env.upstream.reply('/v1/responses', ...holds.map((g) => ({ body: '', script: [HEAD, g.promise, TAIL] })));
    const before = env.upstream.received.length;
    const running = await Promise.all([0, 1].map(() => alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true })));
    const waiting = await alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true });
    expect((await alice.responses.retrieve(waiting.id)).status).toBe('queued');
    expect((await alice.responses.cancel(waiting.id)).status).toBe('cancelled');
    for (const g of holds) g.open();
    await Promise.all(running.map((r) => followToEnd(r.id)));
    expect(env.upstream.received.length).toBe(before + 2); // the two that ran, and not the cancelled one
  });
});

describe('background.max_concurrent: 2', () => {
  it('keeps a third run queued until a slot frees, then runs it', async () => {
    const holds = [gate(), gate()];
    env.upstream.reply('/v1/responses', ...holds.map((g) => ({ body: '', script: [HEAD, g.promise, TAIL] })), { body: '', script: [FIXTURE] });
    const running = await Promise.all([0, 1].map(() => alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true })));
    const third = await alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true });
    expect((await alice.responses.retrieve(third.id)).status).toBe('queued');
    // Whichever run the first gate holds ends, and its slot goes to the third.
    holds[0]!.open();
    expect((await followToEnd(third.id)).at(-1)!.type).toBe('response.completed');
    holds[1]!.open();
    await Promise.all(running.map((r) => followToEnd(r.id)));
  });
});

describe('on a Chat Completions provider', () => {
  it('runs in the background like any other: queued, then in_progress before the first output, then completed', async () => {
    const thinking = gate();
    const chat = readFileSync(fixturePath('openrouter/chat-text.sse'), 'utf8');
    env.upstream.reply('/v1/chat/completions', { body: '', script: [thinking.promise, chat] });
    const created = await alice.responses.create({ model: 'openrouter/openai/gpt-4o', input: 'Say hi', background: true });
    expect(created.status).toBe('queued');
    const stream = alice.responses.retrieve(created.id, { stream: true });
    thinking.open();
    const events = await collect(await stream);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(streamViolations(events as unknown as Parameters<typeof streamViolations>[0])).toEqual([]);
    expect((await alice.responses.retrieve(created.id)).status).toBe('completed');
  });
});

describe('DELETE of a run still going', () => {
  it('cancels it (upstream aborted) and deletes it', async () => {
    env.upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
    const created = await alice.responses.create({ model: 'gpt-4o', input: 'hi', background: true });
    const stream = await alice.responses.retrieve(created.id, { stream: true });
    for await (const event of stream) if (event.type === 'response.content_part.added') break;
    await alice.responses.delete(created.id);
    await env.upstream.idle();
    expect(await statusOf(() => alice.responses.retrieve(created.id))).toBe(404);
  });
});

describe('background.max_event_log_mb past its cap', () => {
  const capped = useGatewayWithMock({ background: { max_event_log_mb: 0.001 } });

  it('leaves deltas out of the stored log but keeps every other event; live subscribers still get every event', async () => {
    const client = new OpenAI({ baseURL: `${capped.gateway.url}/v1`, apiKey: 'sk-test-alice', maxRetries: 0 });
    const thinking = gate();
    capped.upstream.reply('/v1/responses', { body: '', script: [thinking.promise, FIXTURE] });
    const created = await client.responses.create({ model: 'gpt-4o', input: 'Say hi', background: true });
    const live = client.responses.retrieve(created.id, { stream: true });
    const liveStream = await live;
    thinking.open();
    const all = await collect(liveStream);
    expect(all.some((e) => e.type === 'response.output_text.delta')).toBe(true);

    const replay = await collect(await client.responses.retrieve(created.id, { stream: true }));
    expect(replay.some((e) => e.type === 'response.output_text.delta')).toBe(false);
    expect(replay).toEqual(all.filter((e) => e.type !== 'response.output_text.delta'));
    const text = replay.find((e) => e.type === 'response.output_text.done') as OpenAI.Responses.ResponseTextDoneEvent;
    expect(text.text).toBe((await client.responses.retrieve(created.id)).output_text);
  });
});
