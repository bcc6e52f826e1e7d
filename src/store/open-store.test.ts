// openStore: the implementation is picked by database.url's scheme, and an unknown scheme fails at start, saying which.
import { describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';

describe('openStore', () => {
  it('refuses a scheme no implementation serves, naming it', async () => {
    await expect(openStore({ url: 'mysql://localhost/junction', synchronous: 'full' })).rejects.toThrow(
      'database.url: sqlite: or postgres:// URLs are supported (got "mysql:")',
    );
  });

  it('opens an in-memory SQLite store that answers', async () => {
    const store = await openStore({ url: 'sqlite::memory:', synchronous: 'full' });
    try {
      await store.ping();
      expect(await store.unfinishedRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
