// Writes finished responses durably, grouping the writes that arrive while a transaction runs into the next one.
import type { Kysely } from 'kysely';
import type { ConversionWarning, ResponseItem, ResponseObject } from '../../transformers/responses-types.js';
import type { Database, ItemsTable } from './schema.js';

export interface ResponseRecord {
  owner: string;
  provider: string;
  upstreamId: string | null;
  previousResponseId: string | null;
  response: ResponseObject;
  /** The input items of this turn only (not the resolved history), each with the id it is listed under. */
  input: { id: string; item: ResponseItem }[];
  exchange?: { url: string; status: number; requestBody: string; responseBody: string; warnings: ConversionWarning[] };
}

/** SQLite caps bound parameters per statement; 8 columns × 500 rows stays far below it. */
const ROWS_PER_INSERT = 500;

export interface ResponseWriter {
  /** Resolves once the record is committed: callers acknowledge the client only after that. */
  write(record: ResponseRecord): Promise<void>;
  /** Waits for everything queued so far. */
  flush(): Promise<void>;
}

export function createResponseWriter(db: Kysely<Database>): ResponseWriter {
  let queue: { record: ResponseRecord; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** The commit in flight or about to start. Writes that arrive meanwhile wait and share the next one. */
  let running: Promise<void> | undefined;

  const commitAll = async () => {
    // Group commit: one transaction at a time, so under load batches grow instead of commits.
    while (queue.length > 0) await commit();
    running = undefined;
  };

  const commit = async () => {
    const batch = queue;
    queue = [];
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('responses').values(batch.map(({ record }) => responseRow(record))).execute();
        const items = batch.flatMap(({ record }) => itemRows(record));
        for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
          await trx.insertInto('items').values(items.slice(i, i + ROWS_PER_INSERT)).execute();
        }
        const exchanges = batch.filter(({ record }) => record.exchange).map(({ record }) => exchangeRow(record));
        if (exchanges.length > 0) await trx.insertInto('upstream_exchanges').values(exchanges).execute();
      });
      for (const entry of batch) entry.resolve();
    } catch (err) {
      for (const entry of batch) entry.reject(err);
    }
  };

  return {
    write(record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        // setImmediate: everything written in this event-loop turn joins the first batch.
        running ??= new Promise<void>((done) => setImmediate(() => void commitAll().then(done)));
      });
    },
    async flush() {
      while (running) await running;
    },
  };
}

function responseRow({ response, owner, provider, upstreamId, previousResponseId }: ResponseRecord) {
  const { output: _output, ...rest } = response;
  return {
    id: response.id,
    owner,
    created_at: response.created_at,
    status: response.status,
    model: response.model,
    provider,
    upstream_id: upstreamId,
    previous_response_id: previousResponseId,
    response_json: JSON.stringify(rest),
  };
}

function itemRows({ response, owner, provider, input }: ResponseRecord): ItemsTable[] {
  const rows: ItemsTable[] = input.map(({ id, item }, position) => ({
    response_id: response.id,
    direction: 'input',
    position,
    owner,
    id,
    type: item.type ?? 'message',
    provider: null,
    item_json: JSON.stringify(item),
  }));
  response.output.forEach((item, position) => {
    rows.push({
      response_id: response.id,
      direction: 'output',
      position,
      owner,
      id: item.id ?? `${response.id}_out_${position}`,
      type: item.type,
      provider,
      item_json: JSON.stringify(item),
    });
  });
  return rows;
}

function exchangeRow({ response, owner, provider, exchange }: ResponseRecord) {
  return {
    response_id: response.id,
    owner,
    provider,
    url: exchange!.url,
    status: exchange!.status,
    request_body: exchange!.requestBody,
    response_body: exchange!.responseBody,
    warnings_json: JSON.stringify(exchange!.warnings),
    created_at: response.created_at,
  };
}
