// Commits the saved responses of one event-loop turn in one PostgreSQL transaction, as SQLite's writer groups its commits: fewer round trips and one WAL flush for all of them.
import type { StatementName, StoredWrite } from '../sqlite/write-statements.js';

interface Queued {
  write: StoredWrite;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export type CommitWrites = (writes: StoredWrite[]) => Promise<unknown>;

/**
 * Past about this many characters a group is closed and the next save starts another (committed beside it on
 * its own connection): one transaction's statements are built and sent on the event loop, as one message each.
 */
export const GROUP_CHARS = 512 * 1024;

/**
 * Where a statement goes in a group: every response row first, then every item, then every exchange, then the
 * rest in the order the saves made them. Each save's own rows come in that order already (its response, its
 * items, its exchange, then its conversation rows and webhook notices), so no save sees its rows reordered;
 * the group's rows of one kind stand together, and consecutive rows of one plain INSERT go in one statement.
 */
const RANK: Partial<Record<StatementName, number>> = { insertResponse: 0, insertItem: 1, insertExchange: 2 };
const LAST = 3;

/** The group's writes as one, its rows ordered by RANK (a stable sort). */
export function mergeWrites(writes: StoredWrite[]): StoredWrite {
  const rows = writes.flatMap((write) => write.rows);
  rows.sort((a, b) => (RANK[a[0]] ?? LAST) - (RANK[b[0]] ?? LAST));
  return { rows, size: writes.reduce((sum, write) => sum + write.size, 0) };
}

/**
 * Returns `save(write)`, which resolves once the write is committed (a response acknowledged is committed).
 * The saves made during one turn of the event loop share a transaction; if it fails, each of its saves is
 * tried again alone, so that one save that cannot be written (a constraint) does not fail the others.
 */
export function groupSaves(commit: CommitWrites): (write: StoredWrite) => Promise<void> {
  let open: { queued: Queued[]; size: number } | undefined;
  let groups: Array<Queued[]> = [];

  const commitGroup = async (queued: Queued[]): Promise<void> => {
    try {
      await commit(queued.length === 1 ? [queued[0]!.write] : [mergeWrites(queued.map((q) => q.write))]);
      for (const q of queued) q.resolve();
    } catch (error) {
      if (queued.length === 1) return queued[0]!.reject(error);
      // One at a time, in the order they were made: appends to one conversation keep their order.
      for (const q of queued) await commitGroup([q]);
    }
  };

  const commitTurn = () => {
    const turn = groups;
    groups = [];
    open = undefined;
    for (const queued of turn) void commitGroup(queued);
  };

  return (write) =>
    new Promise<void>((resolve, reject) => {
      if (groups.length === 0) setImmediate(commitTurn);
      if (open === undefined || (open.queued.length > 0 && open.size + write.size > GROUP_CHARS)) {
        open = { queued: [], size: 0 };
        groups.push(open.queued);
      }
      open.queued.push({ write, resolve, reject });
      open.size += write.size;
    });
}
