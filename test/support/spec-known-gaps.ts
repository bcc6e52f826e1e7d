// Test support: where the gateway's output still differs from OpenAI's spec or the Open Responses spec, each for a stated reason.
import { isTerminalEventType } from '../../transformers/responses-types.js';
import { openaiSpec, openResponsesSpec, type SpecValidator } from './openapi-validator.js';

type SpecKey = 'openai' | 'openresponses';

const SPECS: Record<SpecKey, SpecValidator> = { openai: openaiSpec, openresponses: openResponsesSpec };

export interface KnownGap {
  spec: SpecKey;
  /** The replayed fixtures (`provider/file`) it occurs in: it must occur in every one of them. */
  files: RegExp;
  /** The event type, or `object` for a Response body (the final event's object, non-streaming JSON, GET). */
  where: RegExp;
  /** The start of the validator's message, array indices written as N. */
  error: string;
  why: string;
}

const LIFECYCLE = /^response\.(created|queued|in_progress)$/;
/** Where an item sits, by where it is validated: an item event, the terminal event's object, a body. */
const ITEM_PATHS: [string, RegExp][] = [
  ['/item', /^response\.output_item\.(added|done)$/],
  ['/response/output/N', /^response\.(completed|failed|incomplete)$/],
  ['/output/N', /^object$/],
];
/** Where a message part's annotation sits. */
const ANNOTATION_PATHS: [string, RegExp][] = [
  ['/annotation', /^response\.output_text\.annotation\.added$/],
  ['/part/annotations/N', /^response\.content_part\.done$/],
  ['/item/content/N/annotations/N', /^response\.output_item\.done$/],
  ['/response/output/N/content/N/annotations/N', /^response\.completed$/],
  ['/output/N/content/N/annotations/N', /^object$/],
];
/** Where the echoed tools sit: in a lifecycle event's object, or in a body. */
const TOOL_PATHS: [string, RegExp][] = [
  ['/response/tools/N', /^response\.(created|queued|in_progress|completed|failed|incomplete)$/],
  ['/tools/N', /^object$/],
];

const WEB_SEARCH = /web-search|x-search/;

export const KNOWN_GAPS: KnownGap[] = [
  // Where the two specs disagree, the gateway sends what OpenAI sends (docs/api.md lists each case).
  {
    spec: 'openai',
    files: /./,
    where: LIFECYCLE,
    error: '/response/usage: must be object',
    why: "OpenAI's own streams say `usage: null` until the end (every recording), as the Open Responses spec requires; OpenAI's spec types it as an optional object",
  },
  ...[
    ['/response/usage: must be object', /^response\.failed$/],
    ['/usage: must be object', /^object$/],
  ].map(([error, where]): KnownGap => ({
    spec: 'openai',
    files: /cut-short|heartbeat-refused/,
    where: where as RegExp,
    error: error as string,
    why: "a response that failed before upstream reported usage says `usage: null`, as OpenAI's own failed responses do (openai/error-event-insufficient-quota)",
  })),
  {
    spec: 'openai',
    files: /background-(completed|cancelled)/,
    where: /^object$/,
    error: '/usage: must be object',
    why: "a background response not finished yet (the queued answer, a live GET) or cancelled before upstream reported usage says `usage: null`, as OpenAI's own background answers do (openai/background-create-queued.json, background-get-in-progress.json)",
  },
  ...(['openai', 'openresponses'] as const).map((spec): KnownGap => ({
    spec,
    files: /background-cancelled/,
    where: /^response\.cancelled$/,
    error: '/type: must be an event type of this spec',
    why: "a cancelled background run needs a terminal event and neither spec has one: the gateway uses the name OpenAI's webhook gives that end (docs/api.md)",
  })),
  {
    spec: 'openresponses',
    files: /responses-reasoning-text|chat-length-midstream-error|chat-reasoning/,
    where: /^response\.reasoning_text\.(delta|done)$/,
    error: '/type: must be an event type of this spec',
    why: 'OpenAI names raw reasoning events response.reasoning_text.*; Open Responses calls them response.reasoning.*',
  },
  ...TOOL_PATHS.flatMap(([path, where]) =>
    [
      ": must have required property 'name'",
      ": must have required property 'description'",
      ": must have required property 'parameters'",
      ": must have required property 'strict'",
      '/type: must be equal to one of the allowed values ["function"]',
    ].map((suffix): KnownGap => ({
      spec: 'openresponses',
      files: WEB_SEARCH,
      where,
      error: `${path}${suffix}`,
      why: 'Open Responses knows only function tools; hosted tools (web_search, xAI x_search) are echoed as OpenAI and xAI echo them',
    })),
  ),
  ...ITEM_PATHS.flatMap(([path, where]) =>
    [`${path}/type: must be equal to one of the allowed values`, ...(path === '/item' ? [`${path}: must be null`, `${path}: must match a schema in anyOf`] : [])].map(
      (error): KnownGap => ({
        spec: 'openresponses',
        files: WEB_SEARCH,
        where,
        error,
        why: 'Open Responses knows only message, function call (and output), reasoning and compaction items; hosted-tool items pass as upstream made them',
      }),
    ),
  ),
  ...[
    [/openai\/web-search|x-search|chat-web-search/, /^response\.web_search_call\.(in_progress|searching|completed)$/],
    [/x-search/, /^response\.custom_tool_call_input\.(delta|done)$/],
  ].map(([files, where]): KnownGap => ({
    spec: 'openresponses',
    files,
    where,
    error: '/type: must be an event type of this spec',
    why: "hosted-tool progress events are OpenAI's (and xAI's); Open Responses has none",
  })),
  // Upstream's own items, passed on as recorded.
  {
    spec: 'openai',
    files: /openai\/web-search-(annotation|reasoning)|xai\/web-search/,
    where: /^response\.output_item\.added$/,
    error: "/item: must have required property 'action'",
    why: 'upstream announces web_search_call items without `action` (filled in only at output_item.done, or never by xAI)',
  },
  ...ITEM_PATHS.map(([path], i): KnownGap => ({
    spec: 'openai',
    files: /xai\/web-search/,
    where: [/^response\.output_item\.done$/, /^response\.completed$/, /^object$/][i]!,
    error: `${path}: must have required property 'action'`,
    why: "xAI's web_search_call items never carry `action`",
  })),
  ...ITEM_PATHS.flatMap(([path], i) =>
    [`${path}/action/sources/N: must have required property 'url'`, `${path}/action/sources/N/type: must be equal to one of the allowed values ["url"]`].map(
      (error): KnownGap => ({
        spec: 'openai',
        files: /web-search-reasoning/,
        where: [/^response\.output_item\.done$/, /^response\.completed$/, /^object$/][i]!,
        error,
        why: 'OpenAI sends web search sources `{type:"api", name}`, newer than this spec snapshot (passed through as recorded)',
      }),
    ),
  ),
  ...(['openai', 'openresponses'] as const).flatMap((spec) => [
    ...ANNOTATION_PATHS.flatMap(([path, where]) =>
      ['start_index', 'end_index', 'title'].map((field): KnownGap => ({
        spec,
        files: /xai\/(web-search|x-search)/,
        where,
        error: `${path}: must have required property '${field}'`,
        why: "xAI's url_citation annotations carry only {type, url}",
      })),
    ),
    ...['/annotation: must be null', '/annotation: must match a schema in anyOf'].map((error): KnownGap => ({
      spec,
      files: /xai\/(web-search|x-search)/,
      where: /^response\.output_text\.annotation\.added$/,
      error,
      why: "the same xAI annotation, as reported through the event's nullable union",
    })),
  ]),
  ...TOOL_PATHS.map(([path, where]): KnownGap => ({
    spec: 'openai',
    files: /xai\/x-search/,
    where,
    error: `${path}/type: must be equal to one of the allowed values`,
    why: "xAI echoes its own `x_search` tool type, which OpenAI's spec does not know (passed through)",
  })),
  ...[
    ['/response/error/code: must be equal to one of the allowed values', /^response\.failed$/],
    ['/response/error: must be null', /^response\.failed$/],
    ['/response/error: must match a schema in anyOf', /^response\.failed$/],
    ['/error/code: must be equal to one of the allowed values', /^object$/],
    ['/error: must be null', /^object$/],
    ['/error: must match a schema in anyOf', /^object$/],
  ].map(([error, where]): KnownGap => ({
    spec: 'openai',
    files: /chat-length-midstream-error/,
    where: where as RegExp,
    error: error as string,
    why: "a failed response's error.code is upstream's own (OpenRouter's \"400\"), as OpenAI's own failed responses carry theirs (insufficient_quota), which the spec's enum lacks too",
  })),
];

const normalise = (error: string) => error.replace(/\/\d+(?=\/|:)/g, '/N');

/**
 * Checks what one replay emitted against both specs. `unexpected` lists the errors no known gap explains;
 * `stale` the known gaps this file should show and did not (a fixed gap is removed from KNOWN_GAPS).
 */
export class SpecAudit {
  private readonly problems = new Set<string>();
  private readonly occurred = new Set<KnownGap>();

  constructor(private readonly file: string) {}

  event(event: { type: string }): void {
    for (const spec of Object.keys(SPECS) as SpecKey[]) {
      const validator = SPECS[spec];
      // A terminal event is always the gateway's own (the sequencer emits the one end), never one forwarded as
      // upstream sent it: it must be a type the spec knows, even where the spec lets unknown (newer) events pass.
      const unknownEnd = isTerminalEventType(event.type) && validator.streamEventSchemaName(event.type) === undefined;
      this.record(spec, event.type, unknownEnd ? [`/type: must be an event type of this spec, not '${event.type}'`] : validator.validateStreamEvent(event));
    }
  }

  response(value: unknown): void {
    for (const spec of Object.keys(SPECS) as SpecKey[]) this.record(spec, 'object', SPECS[spec].validateResponseObject(value));
  }

  /** Bodies only OpenAI's spec describes (input item lists). */
  openaiSchema(schemaName: string, value: unknown): void {
    this.record('openai', schemaName, openaiSpec.validateSchema(schemaName, value));
  }

  get unexpected(): string[] {
    return [...this.problems];
  }

  get stale(): string[] {
    return KNOWN_GAPS.filter((gap) => gap.files.test(this.file) && !this.occurred.has(gap)).map(describeGap);
  }

  private record(spec: SpecKey, where: string, errors: string[]): void {
    for (const error of errors.map(normalise)) {
      const gap = KNOWN_GAPS.find((g) => g.spec === spec && g.files.test(this.file) && g.where.test(where) && error.startsWith(g.error));
      if (gap) this.occurred.add(gap);
      else this.problems.add(`${SPECS[spec].file} ${where} ${error}`);
    }
  }
}

export const describeGap = (gap: KnownGap) => `${gap.spec} ${gap.files} ${gap.where} ${gap.error}`;
