// Which tables migrate-store copies, in which order, with which columns: read from both schemas, so that a table or column a later migration adds is copied without a change here.
import type SQLite from 'better-sqlite3';
import type pg from 'pg';

export interface TableCopy {
  name: string;
  /** The source's columns, in its order; each exists on the target (which may have more, left to their defaults). */
  columns: { name: string; targetType: string }[];
  /** The source's cheapest full order: its rowid, or a WITHOUT ROWID table's primary key. */
  orderBy: string;
  /** Target columns fed by a sequence (serial or identity): set past the copied values afterwards. */
  sequenced: string[];
}

/** Kysely's own bookkeeping: each side keeps its own record of the migrations it ran. */
const NOT_COPIED = /^(sqlite_|kysely_migration)/;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface TargetColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  column_default: string | null;
  is_identity: string;
}

/**
 * Every table of the source, parents before children (foreign keys hold at each insert), each matched with the
 * target's table of the same name. A table or column the target lacks would be lost: that is refused, not
 * skipped (both schemas come from the same migrations, so it means the two Junctions differ).
 */
export async function planTableCopy(source: SQLite.Database, target: pg.ClientBase): Promise<TableCopy[]> {
  const { rows } = await target.query<TargetColumn>(
    `SELECT table_name, column_name, data_type, column_default, is_identity
       FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const targetTables = new Map<string, TargetColumn[]>();
  for (const row of rows) targetTables.set(row.table_name, [...(targetTables.get(row.table_name) ?? []), row]);

  const tables = (source.pragma('table_list') as { schema: string; name: string; type: string; wr: number }[]).filter(
    (t) => t.schema === 'main' && t.type === 'table' && !NOT_COPIED.test(t.name),
  );
  return orderByForeignKeys(source, tables.map((t) => t.name)).map((name) => {
    const onTarget = targetTables.get(name);
    if (!onTarget) throw new Error(`the target has no table ${name} (the source has): are both on the same Junction version?`);
    const targetTypes = new Map(onTarget.map((c) => [c.column_name, c.data_type]));
    const sourceColumns = source.pragma(`table_info(${quoteIdent(name)})`) as { name: string; pk: number }[];
    const columns = sourceColumns.map((c) => {
      const targetType = targetTypes.get(c.name);
      if (targetType === undefined) throw new Error(`the target's table ${name} has no column ${c.name} (the source's has)`);
      return { name: c.name, targetType };
    });
    const withoutRowid = tables.find((t) => t.name === name)!.wr === 1;
    const primaryKey = sourceColumns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const orderBy = withoutRowid ? primaryKey.map((c) => quoteIdent(c.name)).join(', ') : 'rowid';
    const sequenced = onTarget.filter((c) => c.is_identity === 'YES' || c.column_default?.startsWith('nextval(')).map((c) => c.column_name);
    return { name, columns, orderBy, sequenced };
  });
}

/** Tables in an order where each comes after the tables its foreign keys name (creation order otherwise). */
function orderByForeignKeys(source: SQLite.Database, names: string[]): string[] {
  const parents = new Map(
    names.map((name) => {
      const keys = source.pragma(`foreign_key_list(${quoteIdent(name)})`) as { table: string }[];
      return [name, new Set(keys.map((k) => k.table).filter((parent) => parent !== name))];
    }),
  );
  const created = (source.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY rowid").all() as { name: string }[]).map((r) => r.name);
  const pending = created.filter((name) => parents.has(name));
  const ordered: string[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((name) => [...parents.get(name)!].every((parent) => ordered.includes(parent) || !parents.has(parent)));
    if (next === -1) throw new Error(`the foreign keys between ${pending.join(', ')} form a cycle: no insert order satisfies them`);
    ordered.push(...pending.splice(next, 1));
  }
  return ordered;
}
