// Test support: where the repository's copy of the recorded traffic, the OpenAPI specs and the client bodies lives.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `test/fixtures/`: recordings by provider (`openai/…`, `xai/…`, `openrouter/…`), refreshed by `scripts/refresh-fixtures.sh`. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
/** Both OpenAPI specs (OpenAI's and Open Responses') and the endpoint notes. */
export const specDir = path.join(fixturesDir, 'spec');
/** Request bodies real clients sent (`openai-sdk.json`, `agents.json`, `ai-sdk.json`, `codex.json`). */
export const clientsDir = path.join(fixturesDir, 'clients');
