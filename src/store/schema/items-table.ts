// The items table: one row per input or output item of a response, with its owner and provenance.
import type { Insertable, Selectable } from 'kysely';

export const ITEMS_TABLE = 'items';

export type ItemDirection = 'input' | 'output';

export interface ItemsTable {
  response_id: string;
  direction: ItemDirection;
  position: number;
  owner: string;
  id: string;
  type: string;
  /**
   * The configured provider that produced the item: an output's, or the output's an input item was copied
   * from; null for what the client wrote. Encrypted reasoning is only ever sent back to it.
   */
  provider: string | null;
  item_json: string;
}

export type ItemRow = Selectable<ItemsTable>;
export type NewItemRow = Insertable<ItemsTable>;
