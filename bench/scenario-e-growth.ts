// Scenario e: growth: added latency across input sizes (string and item arrays), and a 200-link previous_response_id chain against the same items sent inline.
import { request } from 'undici';
import { fillerText } from './mock-bodies.js';
import { mockModelName } from './mock-profile.js';
import { findTarget, measureRounds, ms, perRound, versus, type BenchContext, type Variant } from './measure-rounds.js';
import { makeJob } from './make-job.js';
import { makeRow } from './metric-row.js';
import { readDbSize } from './read-db-size.js';
import { median } from './summarize-samples.js';
import type { InputKind, InputMessage } from './request-bodies.js';
import type { BenchTarget } from './start-targets.js';

const KB = 1024;
const CHAIN_MOCK = { latencyMs: 0, bodyBytes: 1600 };

function sizeLabel(bytes: number): string {
  return bytes >= 1024 * KB ? `${bytes / (1024 * KB)} MB` : `${bytes / KB} KB`;
}

async function inputSizes(ctx: BenchContext): Promise<void> {
  const targets = ctx.targets.list.filter((t) => t.name !== 'portkey');
  const added = new Map<string, number>();
  for (const kind of ['string', 'items'] as InputKind[]) {
    for (const bytes of ctx.plan.inputSizes) {
      const variants: Variant[] = targets.map((target) => ({
        key: target.name,
        target,
        job: makeJob(target, { label: `e ${sizeLabel(bytes)} ${kind}`, mock: { latencyMs: 0 }, inputBytes: bytes, inputKind: kind, concurrency: 1, count: ctx.plan.requestsPerSize, durationMs: 30_000 }),
      }));
      const rounds = await measureRounds(ctx, 'e', `input of ${sizeLabel(bytes)} as ${kind}`, variants);
      const perTarget = versus(rounds, 'direct', (m, d) => ms(m.result.latencyUs.p50 - d.result.latencyUs.p50));
      const isLargest = bytes >= 1024 * KB;
      ctx.rows.push(
        makeRow(
          { scenario: 'e', metric: `added p50, ${sizeLabel(bytes)} ${kind}`, unit: 'ms', ...(isLargest ? { budget: '≤ 25', check: (g) => g.median <= 25 } : {}) },
          perTarget,
        ),
      );
      const gateway = perTarget.gateway;
      if (gateway !== undefined) added.set(`${kind}|${bytes}`, median(gateway));
    }
    // Linear cost: the marginal cost per KB over the top decade of sizes is close to the one over the decade below.
    const sizes = [...ctx.plan.inputSizes].sort((a, b) => a - b);
    if (sizes.length >= 3) {
      const [a, b, c] = sizes.slice(-3) as [number, number, number];
      const at = (n: number): number => added.get(`${kind}|${n}`) ?? Number.NaN;
      const lower = (at(b) - at(a)) / ((b - a) / KB);
      const upper = (at(c) - at(b)) / ((c - b) / KB);
      ctx.rows.push(
        makeRow(
          { scenario: 'e', metric: `µs per KB, ${sizeLabel(b)}→${sizeLabel(c)} ÷ ${sizeLabel(a)}→${sizeLabel(b)}, ${kind}`, unit: '×', budget: '≤ 2 (linear ≈ 1)', check: (g) => g.median <= 2 },
          { gateway: [upper / lower] },
        ),
      );
    }
  }
}

interface ChainLink {
  id: string;
  items: InputMessage[];
}

function outputText(body: unknown): string {
  const text = (body as { output?: Array<{ content?: Array<{ text?: unknown }> }> }).output?.[0]?.content?.[0]?.text;
  return typeof text === 'string' ? text : '';
}

/** Builds the chain one link at a time through the gateway, each link naming the one before. */
async function buildChain(gateway: BenchTarget, links: number, onLink: (done: number) => void): Promise<ChainLink[]> {
  const chain: ChainLink[] = [];
  const model = gateway.model(mockModelName(CHAIN_MOCK), 'responses');
  for (let i = 0; i < links; i += 1) {
    const input = `link ${i}: ${fillerText(200)}`;
    const previous = chain[chain.length - 1]?.id;
    const res = await request(`${gateway.origin}/v1/responses`, {
      method: 'POST',
      headers: { ...gateway.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model, input, ...(previous === undefined ? {} : { previous_response_id: previous }) }),
    });
    const body: unknown = await res.body.json();
    const id = (body as { id?: unknown }).id;
    if (res.statusCode !== 200 || typeof id !== 'string') throw new Error(`chain link ${i}: HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
    chain.push({
      id,
      items: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: outputText(body) }] },
      ],
    });
    onLink(i + 1);
  }
  return chain;
}

async function chainVersusInline(ctx: BenchContext, gateway: BenchTarget): Promise<void> {
  const links = ctx.plan.chainLinks;
  ctx.log(`e: building a chain of ${links} previous_response_id links`);
  const sizes = new Map<number, number>();
  const half = Math.floor(links / 2);
  sizes.set(0, readDbSize(ctx.targets.dbFile).liveBytes);
  const chain = await buildChain(gateway, links, (done) => {
    if (done === half || done === links) sizes.set(done, readDbSize(ctx.targets.dbFile).liveBytes);
  });
  const first = ((sizes.get(half) ?? 0) - (sizes.get(0) ?? 0)) / half;
  const second = ((sizes.get(links) ?? 0) - (sizes.get(half) ?? 0)) / (links - half);
  const itemBytes = chain.reduce((n, link) => n + JSON.stringify(link.items).length, 0) / links;
  ctx.log(`  DB grew ${first.toFixed(0)} B per link over links 1–${half}, ${second.toFixed(0)} B per link over ${half + 1}–${links}; the new items are ${itemBytes.toFixed(0)} B of JSON per link`);
  ctx.rows.push(
    makeRow({ scenario: 'e', metric: `DB bytes per link, links ${half + 1}–${links} ÷ 1–${half}`, unit: '×', budget: '≤ 1.5 (flat ≈ 1)', check: (g) => g.median <= 1.5 }, { gateway: [second / first] }),
    makeRow({ scenario: 'e', metric: 'DB bytes per link ÷ JSON bytes of its new items', unit: '×', note: `${second.toFixed(0)} B per link for ${itemBytes.toFixed(0)} B of items` }, { gateway: [second / itemBytes] }),
  );

  const last = chain[chain.length - 1]?.id ?? '';
  const probe = `probe: ${fillerText(200)}`;
  const inline = [...chain.flatMap((l) => l.items), { type: 'message', role: 'user', content: [{ type: 'input_text', text: probe }] }];
  const model = gateway.model(mockModelName(CHAIN_MOCK), 'responses');
  const base = makeJob(gateway, { label: '', mock: CHAIN_MOCK, concurrency: 1, count: ctx.plan.chainProbes, durationMs: 60_000 });
  const rounds = await measureRounds(ctx, 'e', `request chained to ${links} links vs the same items inline`, [
    { key: 'chained', target: gateway, job: { ...base, label: `e chained to ${links}`, bodies: [JSON.stringify({ model, input: probe, previous_response_id: last })] } },
    { key: 'inline', target: gateway, job: { ...base, label: `e ${inline.length} items inline`, bodies: [JSON.stringify({ model, input: inline })] } },
  ]);
  const p50 = perRound(rounds, (m) => m.result.latencyUs.p50);
  const chained = p50.chained ?? [];
  ctx.rows.push(
    makeRow(
      { scenario: 'e', metric: `chain of ${links} ÷ same items inline, p50`, unit: '×', budget: '≤ 1.5', check: (g) => g.median <= 1.5 },
      { gateway: chained.map((v, i) => v / (p50.inline?.[i] ?? Number.NaN)) },
    ),
  );
}

export async function scenarioE(ctx: BenchContext): Promise<void> {
  await inputSizes(ctx);
  const gateway = findTarget(ctx, 'gateway');
  if (gateway === undefined) {
    ctx.log('e: chain skipped, the gateway is not running');
    return;
  }
  await chainVersusInline(ctx, gateway);
}
