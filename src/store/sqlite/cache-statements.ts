// Keeps prepared SQLite statements by their SQL text: Kysely's driver prepares on every call otherwise.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely compiles a query to the same SQL each time a code path runs, and its SQLite driver hands it to
 * `prepare()` each time, which costs as much as running a small insert. Statements are reusable, so the
 * same text gets the same statement. Bounded, oldest first out, because multi-row inserts vary in text.
 */
export function cacheStatements(database: SqliteDatabase, limit = 200): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) return cached;
      const statement = database.prepare(sql);
      if (statements.size >= limit) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
      return statement;
    },
  };
}
