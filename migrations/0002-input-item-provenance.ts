// Input items stored before they carried provenance: a copy of an earlier output takes that output's provider. Frozen.
import { type Kysely, sql } from 'kysely';

/**
 * Until now an input item was stored with no provider, so a reasoning item a client had copied from an
 * output (by value or by `item_reference`) could later be replayed to another provider through its chain.
 * The copy shares the output's id and owner; the output row knows its provider. Items whose origin is not
 * stored (the client's own, or outputs of `store: false` turns) stay null.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE items SET provider = (
      SELECT o.provider FROM items o
       WHERE o.owner = items.owner AND o.id = items.id AND o.direction = 'output' AND o.provider IS NOT NULL
       LIMIT 1
    )
    WHERE direction = 'input' AND provider IS NULL
  `.execute(db);
}

export async function down(): Promise<void> {
  // The provenance filled in is true; there is nothing to undo.
}
