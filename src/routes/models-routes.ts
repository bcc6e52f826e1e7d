// GET /v1/models: the configured aliases the caller's key may use, in OpenAI's list shape (clients call it to check the base URL).
import { Hono } from 'hono';
import type { Config } from '../config/config-schema.js';
import type { AuthVariables } from '../server/authenticate.js';
import { mayUseModel, modelAllowances, modelNotFound } from '../server/key-models.js';

export function modelsRoutes(config: Config): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const models = Object.entries(config.models).map(([id, m]) => ({ id, object: 'model' as const, created: 0, owned_by: m.provider ?? m.targets?.[0]?.provider ?? '' }));
  const allowances = modelAllowances(config);
  app.get('/', (c) => c.json({ object: 'list', data: models.filter((m) => mayUseModel(allowances, c.get('owner'), m.id)) }));
  app.get('/:id{.+}', (c) => {
    const id = c.req.param('id');
    const model = models.find((m) => m.id === id);
    if (!model || !mayUseModel(allowances, c.get('owner'), id)) throw modelNotFound(id);
    return c.json(model);
  });
  return app;
}
