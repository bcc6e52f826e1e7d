// The configuration file's schema: every key the gateway reads, with its default (docs/configuration.md lists them).
import { z } from 'zod';
import { isPrivateAddress } from '../webhooks/is-private-address.js';
import { webhookKey } from '../webhooks/sign-webhook.js';

/**
 * `${VAR}` expands to text, so `port: ${PORT:-4000}` arrives as "4000": a number or boolean key also takes
 * the text of one. Anything else is left for the schema to refuse with its path.
 */
const fromText = (value: unknown) => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return value;
};
const numberValue = <T extends z.ZodNumber>(schema: T) => z.preprocess(fromText, schema);
const booleanValue = () => z.preprocess(fromText, z.boolean());

const milliseconds = () => numberValue(z.number().int().positive());

/**
 * How long an upstream call may take, step by step. Reasoning models think for minutes before their first
 * byte (and a non-streaming call to a Responses provider gets its headers only with the whole answer), and
 * a stream may go silent as long after its first events while the model reasons: both are ten minutes, the
 * old timeout_ms. total_ms bounds a call that keeps sending forever. docs/configuration.md says why.
 */
export const TIMEOUT_DEFAULTS = { connect_ms: 10_000, first_byte_ms: 600_000, idle_ms: 600_000, total_ms: 3_600_000 };

const timeoutsSchema = z
  .object({
    /** TCP (and TLS) connection to the provider. */
    connect_ms: milliseconds().optional(),
    /** From the request sent to upstream's response headers. */
    first_byte_ms: milliseconds().optional(),
    /** The longest gap between two upstream events (whole SSE events or comment lines, not bytes), from the headers on. */
    idle_ms: milliseconds().optional(),
    /** The whole call, from the request to the body's end. */
    total_ms: milliseconds().optional(),
  })
  .strict()
  .default({});

const providerSchema = z
  .object({
    type: z.enum(['openai-responses', 'chat-completions']),
    base_url: z.string().url(),
    /** May stay `${VAR}` when the variable is unset: the provider then answers a clear error when used. */
    api_key: z.string().default(''),
    quirks: z.enum(['xai', 'openrouter']).optional(),
    /** Extra headers sent upstream with every request (OpenRouter's HTTP-Referer/X-Title, for instance). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Upper bound on open sockets to this provider. */
    max_connections: numberValue(z.number().int().positive()).default(256),
    timeouts: timeoutsSchema,
    /** Deprecated: the shorthand for `timeouts.first_byte_ms` and `timeouts.idle_ms` (where those are not set). */
    timeout_ms: milliseconds().optional(),
  })
  .strict()
  .transform(({ timeouts, ...provider }) => ({
    ...provider,
    timeouts: {
      connect_ms: timeouts.connect_ms ?? TIMEOUT_DEFAULTS.connect_ms,
      first_byte_ms: timeouts.first_byte_ms ?? provider.timeout_ms ?? TIMEOUT_DEFAULTS.first_byte_ms,
      idle_ms: timeouts.idle_ms ?? provider.timeout_ms ?? TIMEOUT_DEFAULTS.idle_ms,
      total_ms: timeouts.total_ms ?? TIMEOUT_DEFAULTS.total_ms,
    },
  }));

/**
 * What the gateway does when a target fails before its first output (docs/configuration.md, "routing"). Retries
 * are off by default: clients' SDKs retry already (OpenAI's twice), and retries here multiply with theirs.
 */
export const ROUTING_DEFAULTS = { retries: 0, backoff_ms: 500, max_retry_after_s: 30, cooldown: { failures: 3, seconds: 30 } };

const cooldownSchema = z
  .object({
    /** Failures in a row (before any output) after which a target is skipped. */
    failures: numberValue(z.number().int().positive()).optional(),
    /** How long it is skipped; then it is tried again. */
    seconds: numberValue(z.number().positive()).optional(),
  })
  .strict();

/** Every key optional: a model's `routing` overrides only what it names. */
const routingFields = {
  /** Tries again on the same target after a failure that may pass (a timeout, 408, 409, 429, 5xx, a broken connection). */
  retries: numberValue(z.number().int().min(0)).optional(),
  /** The first retry's delay; each next one doubles, with jitter. */
  backoff_ms: numberValue(z.number().int().min(0)).optional(),
  /** The longest wait an upstream's Retry-After / retry-after-ms may ask for (a longer one is cut to it). */
  max_retry_after_s: numberValue(z.number().min(0)).optional(),
  cooldown: cooldownSchema.optional(),
};
const routingSchema = z.object(routingFields).strict();
export type RoutingOverride = z.infer<typeof routingSchema>;

const targetSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Whether to ask for encrypted reasoning; by default OpenAI's o-series and gpt-5 family are reasoning models. */
    reasoning: booleanValue().optional(),
  })
  .strict();

const modelSchema = z
  .object({
    /** One target: `provider` and `model` (or `targets`, an ordered list of them, tried in turn). */
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    reasoning: booleanValue().optional(),
    targets: z.array(targetSchema).min(1).optional(),
    /** Request fields set when the client leaves them out (objects merged one level deep, the client's fields first). */
    defaults: z.record(z.string(), z.unknown()).optional(),
    /** Request fields (dotted paths: `reasoning.effort`) left out of what goes upstream, because the model refuses them. */
    drop: z.array(z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a field name or a dotted path (reasoning.effort)')).optional(),
    routing: routingSchema.optional(),
  })
  .strict()
  .superRefine((model, ctx) => {
    const single = model.provider !== undefined || model.model !== undefined;
    if (model.targets && single) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'either `targets` or `provider` and `model`, not both' });
    else if (model.targets && model.reasoning !== undefined) ctx.addIssue({ code: 'custom', path: ['reasoning'], message: 'with `targets`, `reasoning` is set per target' });
    else if (!model.targets && (model.provider === undefined || model.model === undefined)) {
      ctx.addIssue({ code: 'custom', path: [model.provider === undefined ? 'provider' : 'model'], message: 'a model names `provider` and `model`, or `targets`' });
    }
  });

/** The response ends a webhook endpoint may hear about (OpenAI's names). */
export const WEBHOOK_EVENTS = ['response.completed', 'response.failed', 'response.cancelled', 'response.incomplete'] as const;

const webhookSchema = z
  .object({
    url: z.string().url(),
    /** `whsec_` + base64 (usually `${VAR}`): the receiver verifies each delivery with it. */
    secret: z.string().refine((secret) => webhookKey(secret) !== undefined, 'a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 bytes'),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default([...WEBHOOK_EVENTS]),
    /** Gateway key names whose responses it hears about (default: every key's). */
    keys: z.array(z.string().min(1)).optional(),
    /** `background` (as OpenAI): background responses only; `all`: foreground ones too. */
    for: z.enum(['background', 'all']).default('background'),
    /** Lets the endpoint be a loopback or private address (and then plain http). */
    allow_private: booleanValue().default(false),
    /** One attempt's limit, from connecting to the answer's headers. */
    timeout_s: numberValue(z.number().positive()).default(10),
    /** The first retry's delay; each next one doubles (with jitter). */
    retry_initial_s: numberValue(z.number().positive()).default(5),
    /** How long after the response's end retries go on before the delivery is given up. */
    retry_max_age_h: numberValue(z.number().positive()).default(72),
  })
  .strict()
  .superRefine((hook, ctx) => {
    if (!URL.canParse(hook.url)) return; // z.string().url() said so already
    const url = new URL(hook.url);
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: ['url'], message });
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`a webhook URL is https (got ${url.protocol})`);
    // A name is resolved at start and on every attempt (webhooks/guard-webhook-address.ts); a literal is judged here.
    const literalPrivate = isPrivateAddress(url.hostname);
    if (literalPrivate && !hook.allow_private) return fail(`${url.hostname} is a loopback or private address: set allow_private: true on this endpoint to allow it`);
    if (url.protocol === 'http:' && !hook.allow_private) return fail('a webhook URL is https; plain http only to a loopback or private address, with allow_private: true');
  });

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: numberValue(z.number().int().min(0).max(65535)).default(4000),
        /** Largest request body accepted, in megabytes (Codex sends whole histories). */
        body_limit_mb: numberValue(z.number().positive()).default(64),
        /** Host names (besides the loopback names) that requests may address; any other Host is refused (DNS rebinding). `*` serves every host. */
        allowed_hosts: z.array(z.string().min(1)).default([]),
        /** Web origins whose pages may call the gateway (CORS); a request from any other Origin is refused. */
        cors_origins: z.array(z.string().min(1)).default([]),
        /**
         * Seconds of silence after which a stream gets an SSE comment line (proxies cut idle connections), and
         * after which a stream whose upstream has produced nothing starts anyway; 0 turns both off.
         */
        heartbeat_s: numberValue(z.number().min(0)).default(15),
        /** On SIGTERM/SIGINT, how long open streams may go on before they are ended `failed`. */
        shutdown_grace_s: numberValue(z.number().min(0)).default(10),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4000, body_limit_mb: 64, allowed_hosts: [], cors_origins: [], heartbeat_s: 15, shutdown_grace_s: 10 }),
    background: z
      .object({
        /** Background runs that call upstream at once; more wait `queued`. */
        max_concurrent: numberValue(z.number().int().positive()).default(32),
        /** A background run's stored event log, in megabytes; past it, delta events are left out (the `.done` events carry the full text). */
        max_event_log_mb: numberValue(z.number().positive()).default(32),
        /**
         * How long an instance's hold on a run lasts without renewal (renewed every third of it): when an instance
         * dies, another takes its runs over this long after its last renewal.
         */
        lease_s: numberValue(z.number().positive()).default(30),
        /** How often a run another instance holds is read again: its stream followed, a cancel of it passed on, ms. */
        poll_ms: numberValue(z.number().int().min(10)).default(250),
      })
      .strict()
      .default({ max_concurrent: 32, max_event_log_mb: 32, lease_s: 30, poll_ms: 250 }),
    database: z
      .object({
        url: z.string().default('sqlite:./data/junction.db'),
        /**
         * `full`: a commit is fsynced before the client is answered (survives a power cut). `normal`: it is
         * written to the WAL but not fsynced (survives a crash of the gateway, not of the machine); cheaper.
         */
        synchronous: z.enum(['full', 'normal']).default('full'),
        /** PostgreSQL only: how many connections the gateway opens to the server at most. */
        pool_size: numberValue(z.number().int().positive()).default(10),
      })
      .strict()
      .default({ url: 'sqlite:./data/junction.db', synchronous: 'full', pool_size: 10 }),
    keys: z
      .array(
        z
          .object({
            name: z.string().min(1),
            key: z.string(),
            /** The aliases and provider names this key may use (a provider name allows `PROVIDER/MODEL`); absent: every model. */
            models: z.array(z.string().min(1)).optional(),
            /** Ceilings for this key, counted in this process on SQLite, in the database every instance shares on PostgreSQL (key-limits.ts, shared-key-limits.ts); absent: none. */
            limits: z
              .object({
                /** Responses created per minute (a sliding minute; estimated from two fixed ones on PostgreSQL). */
                requests_per_minute: numberValue(z.number().int().positive()).optional(),
                /** Tokens (input + output) per UTC day, counted from each finished response's usage. */
                tokens_per_day: numberValue(z.number().int().positive()).optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .default([])
      .transform((keys) => keys.filter((k) => k.key !== '')),
    providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names are letters, digits, _ . -'), providerSchema).default({}),
    models: z.record(z.string(), modelSchema).default({}),
    routing: routingSchema.default({}),
    limits: z
      .object({
        /** Ceiling on `max_output_tokens`; a larger value is lowered to it (with a log line), never sent upstream. */
        max_output_tokens: numberValue(z.number().int().positive()).default(120_000),
        /** Largest single upstream SSE event, in megabytes (a non-streaming answer is bounded by max_response_mb). */
        max_upstream_event_mb: numberValue(z.number().positive()).default(16),
        /** Largest whole upstream answer (all of a stream's bytes, or a JSON body), in megabytes. */
        max_response_mb: numberValue(z.number().positive()).default(128),
      })
      .strict()
      .default({ max_output_tokens: 120_000, max_upstream_event_mb: 16, max_response_mb: 128 }),
    debug: z
      .object({
        /** Keep the raw request sent upstream and the raw body that came back, per response. */
        upstream_exchanges: booleanValue().default(true),
      })
      .strict()
      .default({ upstream_exchanges: true }),
    retention: z
      .object({
        /** Days a finished response is kept (counted from its creation), then deleted; absent: kept for good. */
        responses_days: numberValue(z.number().positive()).optional(),
        /** Days a conversation is kept after its last change (created, metadata, items added), then deleted with its items; absent: kept. */
        conversations_days: numberValue(z.number().positive()).optional(),
      })
      .strict()
      .default({}),
    webhooks: z.array(webhookSchema).default([]),
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** `json`: one JSON object a line; `pretty`: readable lines; `auto`: pretty when stdout is a terminal, JSON otherwise. */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
        /** One line per HTTP request (request id, key, model, provider, status, duration, tokens). */
        access_log: booleanValue().default(true),
      })
      .strict()
      .default({ level: 'info', format: 'auto', access_log: true }),
    metrics: z
      .object({
        /** When set, GET /metrics asks for `Authorization: Bearer <key>`; absent: the page is open (to whoever may reach the gateway). */
        key: z.string().optional(),
      })
      .strict()
      .default({})
      // An unset `${VAR}` expands to "": the page is then open, as when the key is absent.
      .transform((metrics) => (metrics.key ? metrics : {})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const unknownProvider = (name: string, path: (string | number)[]) =>
      ctx.addIssue({ code: 'custom', path, message: `unknown provider "${name}" (configured: ${Object.keys(config.providers).join(', ') || 'none'})` });
    for (const [alias, model] of Object.entries(config.models)) {
      if (model.provider !== undefined && !(model.provider in config.providers)) unknownProvider(model.provider, ['models', alias, 'provider']);
      for (const [i, target] of (model.targets ?? []).entries()) {
        if (!(target.provider in config.providers)) unknownProvider(target.provider, ['models', alias, 'targets', i, 'provider']);
      }
    }
    const names = new Set<string>();
    for (const [i, key] of config.keys.entries()) {
      if (names.has(key.name)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'name'], message: `duplicate key name "${key.name}"` });
      names.add(key.name);
      for (const [j, name] of (key.models ?? []).entries()) {
        if (!(name in config.models) && !(name in config.providers)) {
          ctx.addIssue({ code: 'custom', path: ['keys', i, 'models', j], message: `"${name}" is neither a model alias nor a provider name` });
        }
      }
    }
    const urls = new Set<string>();
    for (const [i, hook] of config.webhooks.entries()) {
      if (urls.has(hook.url)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'url'], message: `duplicate webhook URL ${hook.url}` });
      urls.add(hook.url);
      for (const [j, name] of (hook.keys ?? []).entries()) {
        if (config.keys.length > 0 && !names.has(name)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'keys', j], message: `unknown key name "${name}"` });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type UpstreamTimeouts = ProviderConfig['timeouts'];
export type ModelConfig = z.infer<typeof modelSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type LimitsConfig = Config['limits'];
export type WebhookConfig = z.infer<typeof webhookSchema>;
export type KeyConfig = Config['keys'][number];
