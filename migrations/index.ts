// The static, ordered list of migrations; each entry is frozen once merged (add a new one instead of editing).
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-input-item-provenance.js';
import * as m0003 from './0003-background-runs.js';
import * as m0004 from './0004-conversations.js';
import * as m0005 from './0005-webhook-outbox.js';
import * as m0006 from './0006-request-id.js';
import * as m0007 from './0007-run-leases.js';
import * as m0008 from './0008-key-usage.js';

const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-input-item-provenance': m0002,
  '0003-background-runs': m0003,
  '0004-conversations': m0004,
  '0005-webhook-outbox': m0005,
  '0006-request-id': m0006,
  '0007-run-leases': m0007,
  '0008-key-usage': m0008,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
