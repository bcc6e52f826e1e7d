// `junction migrate-store`: copies a SQLite store (a snapshot of it) into an empty PostgreSQL store, in one transaction, table by table in batches.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore, postgresPoolConfig } from '../postgres/open-postgres-store.js';
import { asText } from '../postgres/run-postgres-write.js';
import { planTableCopy, quoteIdent, type TableCopy } from './plan-table-copy.js';
import { snapshotSqliteStore } from './snapshot-sqlite-store.js';

export interface MigrateStoreOptions {
  /** `sqlite:PATH`: the store to copy (it may be serving: a snapshot is copied). */
  from: string;
  /** `postgres://…`: the store to fill; migrated first, and it must hold no rows. */
  to: string;
  /** Where the snapshot is written (default: beside the source). */
  tempDir?: string;
  /** Rows per INSERT at most (fewer when they are wide or large). */
  batchRows?: number;
  /** Told as each table is copied (progress for a large store). */
  onTable?: (copied: TableCopied) => void;
}

export interface TableCopied {
  table: string;
  rows: number;
  ms: number;
}

export interface MigrateStoreResult {
  tables: TableCopied[];
  /** Migrations run on the snapshot first (the source came from an older Junction). */
  migrated: string[];
  snapshotMs: number;
  totalMs: number;
}

const DEFAULT_BATCH_ROWS = 1000;
/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMS = 30_000;
/** A batch is sent once its values reach this size: large exchange bodies do not pile up in memory. */
const MAX_BATCH_CHARS = 8 * 1024 * 1024;
const TEXT_TYPES = new Set(['text', 'character varying', 'character', 'json', 'jsonb']);

export async function migrateStore({ from, to, tempDir, batchRows = DEFAULT_BATCH_ROWS, onTable }: MigrateStoreOptions): Promise<MigrateStoreResult> {
  const started = performance.now();
  if (!from.startsWith('sqlite:')) throw new Error(`--from: a sqlite: URL is needed (got "${from.split(':')[0]}:")`);
  if (!/^postgres(ql)?:\/\//.test(to)) throw new Error(`--to: a postgres:// URL is needed (got "${to.split(':')[0]}:")`);
  // The target's schema is the gateway's: its own opener runs the migrations. Done first, so that an unreachable
  // server or a refused login fails before the SQLite store is copied.
  await (await openPostgresStore({ url: to, synchronous: 'full', pool_size: 1 })).close();
  const snapshot = await snapshotSqliteStore(from, tempDir);
  try {
    const source = new SQLite(snapshot.file, { readonly: true, fileMustExist: true });
    const target = new pg.Client(postgresPoolConfig(to, 1));
    // A connection that breaks makes the running query fail; unheard, the client's error event would end the process.
    target.on('error', () => undefined);
    try {
      await target.connect();
      const tables = await copyInOneTransaction(source, target, batchRows, onTable);
      return { tables, migrated: snapshot.migrated, snapshotMs: snapshot.copyMs, totalMs: performance.now() - started };
    } finally {
      source.close();
      await target.end();
    }
  } finally {
    snapshot.remove();
  }
}

/** Every table, or nothing: a failure part-way leaves the target as empty as it was found. */
async function copyInOneTransaction(source: SQLite.Database, target: pg.Client, batchRows: number, onTable?: (copied: TableCopied) => void): Promise<TableCopied[]> {
  await target.query('BEGIN');
  try {
    const plan = await planTableCopy(source, target);
    // A gateway already started on the target waits (its reads do not) until the copy commits or rolls back.
    await target.query(`LOCK TABLE ${plan.map((t) => quoteIdent(t.name)).join(', ')} IN EXCLUSIVE MODE`);
    await refuseNonEmpty(target, plan);
    const copied: TableCopied[] = [];
    for (const table of plan) {
      const done = await copyTable(source, target, table, batchRows).catch((err: Error & { detail?: string }) => {
        throw new Error(`copying ${table.name} failed: ${err.message}${err.detail ? ` (${err.detail})` : ''}`);
      });
      copied.push(done);
      onTable?.(done);
    }
    await resetSequences(target, plan);
    await target.query('COMMIT');
    return copied;
  } catch (err) {
    // Should the ROLLBACK itself fail, the connection is gone, and the server rolls the transaction back with it.
    await target.query('ROLLBACK').catch(() => undefined);
    throw new Error(`${(err as Error).message} (nothing was written to the target)`);
  }
}

/** A copy merged into rows already there could break the ids' uniqueness or mix two stores: refused. */
async function refuseNonEmpty(target: pg.Client, plan: TableCopy[]): Promise<void> {
  const holding: string[] = [];
  for (const table of plan) {
    const { rows } = await target.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table.name)}) AS found`);
    if (rows[0]!.found) holding.push(table.name);
  }
  if (holding.length > 0) throw new Error(`the target already holds rows (in ${holding.join(', ')}): migrate-store copies into an empty store only`);
}

/** Streams a table in the source's order, a multi-row INSERT per batch, then checks the target counts the same rows. */
async function copyTable(source: SQLite.Database, target: pg.Client, table: TableCopy, batchRows: number): Promise<TableCopied> {
  const started = performance.now();
  const width = table.columns.length;
  const convert = table.columns.map((c) => converterFor(c.targetType));
  const maxRows = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMS / width)));
  const head = `INSERT INTO ${quoteIdent(table.name)} (${table.columns.map((c) => quoteIdent(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES `;
  const select = source.prepare(`SELECT ${table.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(table.name)} ORDER BY ${table.orderBy}`);
  // Integers as BigInt: a 64-bit value reaches PostgreSQL's bigint exactly (as text), whatever its size.
  select.raw(true).safeIntegers(true);

  let params: unknown[] = [];
  let chars = 0;
  let rows = 0;
  const flush = async () => {
    const count = params.length / width;
    if (count === 0) return;
    const groups = Array.from({ length: count }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
    await target.query(head + groups.join(', '), params);
    params = [];
    chars = 0;
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    for (let c = 0; c < width; c++) {
      const value = convert[c]!(row[c]);
      if (typeof value === 'string' || value instanceof Uint8Array) chars += value.length;
      params.push(value);
    }
    rows++;
    if (params.length / width >= maxRows || chars >= MAX_BATCH_CHARS) await flush();
  }
  await flush();

  const { rows: counted } = await target.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table.name)}`);
  if (counted[0]!.n !== rows) throw new Error(`${rows} rows read, ${counted[0]!.n} in the target`);
  return { table: table.name, rows, ms: performance.now() - started };
}

/**
 * A SQLite value as the target column takes it: integers as exact text, raw bytes (an exchange body stored as a
 * BLOB) as their UTF-8 text in a text column, and in text a NUL as U+FFFD, as the PostgreSQL store writes them.
 */
function converterFor(targetType: string): (value: unknown) => unknown {
  if (targetType === 'bytea') return (value) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  if (TEXT_TYPES.has(targetType)) return (value) => asText(typeof value === 'bigint' ? value.toString() : value);
  return (value) => (typeof value === 'bigint' ? value.toString() : value);
}

/** A serial or identity column's sequence continues after the highest copied value: the gateway's next insert does not collide. */
async function resetSequences(target: pg.Client, plan: TableCopy[]): Promise<void> {
  for (const table of plan) {
    for (const column of table.sequenced) {
      await target.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${quoteIdent(column)}) FROM ${quoteIdent(table.name)}), 0) + 1, false)`,
        [quoteIdent(table.name), column],
      );
    }
  }
}
