// The gateway's Prometheus metrics (prom-client, one registry per gateway): what requests, tokens, upstreams, routing, streams, the store and webhooks did.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RoutingEvent } from '../runs/routing-events.js';
import type { WebhookOutboxStats } from '../store/response-store.js';

/** The labels a request is counted under; '' where it never got that far (refused before a model was read). */
export interface RequestLabels {
  route: string;
  method: string;
  status: number;
  model: string;
  provider: string;
  key: string;
}

/** Token counts as a response's `usage` carries them. */
export interface TokenUsage {
  input: number;
  output: number;
  reasoning: number;
  cached: number;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** One finished request: counted, and its latency and time to first byte (seconds; ttfb undefined when nothing was sent). */
  request(labels: RequestLabels, seconds: number, firstByteSeconds: number | undefined): void;
  tokens(usage: TokenUsage, labels: { model: string; provider: string; key: string }): void;
  upstreamError(provider: string, code: string): void;
  routing(event: RoutingEvent): void;
  /** An SSE answer started; call the returned function when it ends. */
  streamOpened(): () => void;
  /** One store commit (its transaction and fsync), in milliseconds. */
  storeCommit(ms: number): void;
  /** The shared per-key counters did not answer (the request was let through, or tokens went uncounted). */
  keyLimitError(operation: 'admit' | 'spend' | 'forget'): void;
  /** Background runs taken over (at start, or from an instance whose lease lapsed), by what restart recovery made of them. */
  runsRecovered(counts: { rerun: number; failed: number; cancelled: number }): void;
}

/** Seconds: from a quick refusal to a long reasoning run. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Every metric is touched once per request (or per commit, per routing event), never per stream event.
 * `webhookStats`: read at scrape time only.
 */
export function createGatewayMetrics(webhookStats?: () => Promise<WebhookOutboxStats>): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'junction_requests_total', help: 'HTTP requests answered, by route, status, model, provider and key name.', labelNames: ['route', 'method', 'status', 'model', 'provider', 'key'], registers });
  const latency = new Histogram({ name: 'junction_request_duration_seconds', help: 'From the request to the last byte of its answer (a stream: its end).', labelNames: ['route', 'provider'], buckets: LATENCY_BUCKETS, registers });
  const firstByte = new Histogram({ name: 'junction_time_to_first_byte_seconds', help: "From the request to its answer's headers (a stream: its first events, or a heartbeat-started stream).", labelNames: ['route', 'provider'], buckets: LATENCY_BUCKETS, registers });
  const tokens = new Counter({ name: 'junction_tokens_total', help: 'Tokens in finished responses (usage), by type: input, output, reasoning (part of output), cached (part of input).', labelNames: ['type', 'model', 'provider', 'key'], registers });
  const upstreamErrors = new Counter({ name: 'junction_upstream_errors_total', help: 'Upstream failures (refusals, broken or failed streams), by provider and error code.', labelNames: ['provider', 'code'], registers });
  const retries = new Counter({ name: 'junction_retries_total', help: 'Upstream calls tried again on the same target.', labelNames: ['provider', 'model'], registers });
  const fallbacks = new Counter({ name: 'junction_fallbacks_total', help: 'Requests moved to the next target before any output.', labelNames: ['from_provider', 'to_provider'], registers });
  const cooldowns = new Counter({ name: 'junction_cooldowns_total', help: 'Targets put in cooldown after repeated failures.', labelNames: ['provider', 'model'], registers });
  const skips = new Counter({ name: 'junction_cooldown_skips_total', help: 'Targets passed over because they were cooling down.', labelNames: ['provider', 'model'], registers });
  const openStreams = new Gauge({ name: 'junction_open_streams', help: 'SSE answers being written now.', registers });
  const commits = new Histogram({ name: 'junction_store_commit_seconds', help: "Store commits: a batch's transaction and its fsync.", buckets: COMMIT_BUCKETS, registers });
  const recoveredRuns = new Counter({ name: 'junction_runs_recovered_total', help: 'Background runs taken over from a stopped instance (or this one before a restart), by outcome: rerun (no output yet), failed (output lost), cancelled (a cancel was asked for).', labelNames: ['outcome'], registers });
  // The process's own (CPU, memory, heap, event-loop lag, GC), under prom-client's standard names: they are
  // measured when scraped (the lag by a sampling timer), not per request.
  collectDefaultMetrics({ register: registry });
  const keyLimitErrors = new Counter({ name: 'junction_key_limit_errors_total', help: 'Failures to reach the shared per-key counters (PostgreSQL), by operation: admit (the request was let through), spend (tokens not counted), forget.', labelNames: ['operation'], registers });
  if (webhookStats) {
    new Gauge({
      name: 'junction_webhook_deliveries',
      help: 'Webhook deliveries in the outbox, by state: pending (to send or retry) and failed (given up).',
      labelNames: ['state'],
      registers,
      async collect() {
        const stats = await webhookStats();
        this.set({ state: 'pending' }, stats.pending);
        this.set({ state: 'failed' }, stats.failed);
      },
    });
  }

  return {
    registry,
    request(labels, seconds, firstByteSeconds) {
      requests.inc({ ...labels, status: String(labels.status) });
      const timed = { route: labels.route, provider: labels.provider };
      latency.observe(timed, seconds);
      if (firstByteSeconds !== undefined) firstByte.observe(timed, firstByteSeconds);
    },
    tokens(usage, labels) {
      for (const type of ['input', 'output', 'reasoning', 'cached'] as const) if (usage[type] > 0) tokens.inc({ type, ...labels }, usage[type]);
    },
    upstreamError(provider, code) {
      upstreamErrors.inc({ provider, code });
    },
    routing(event) {
      switch (event.type) {
        case 'retry':
          retries.inc({ provider: event.provider, model: event.model });
          return;
        case 'fallback':
          fallbacks.inc({ from_provider: event.from.provider, to_provider: event.to.provider });
          return;
        case 'cooldown':
          cooldowns.inc({ provider: event.provider, model: event.model });
          return;
        case 'skip':
          skips.inc({ provider: event.provider, model: event.model });
          return;
        default: {
          const never: never = event;
          return never;
        }
      }
    },
    streamOpened() {
      openStreams.inc();
      let open = true;
      return () => {
        if (open) openStreams.dec();
        open = false;
      };
    },
    storeCommit(ms) {
      commits.observe(ms / 1000);
    },
    keyLimitError(operation) {
      keyLimitErrors.inc({ operation });
    },
    runsRecovered(counts) {
      for (const outcome of ['rerun', 'failed', 'cancelled'] as const) if (counts[outcome] > 0) recoveredRuns.inc({ outcome }, counts[outcome]);
    },
  };
}
