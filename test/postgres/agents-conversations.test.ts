// test/agents-conversations.test.ts's cases, each gateway on a fresh PostgreSQL schema instead of a SQLite file.
import { usePostgresStore } from '../support/use-postgres-store.js';

usePostgresStore();
await import('../agents-conversations.test.js');
