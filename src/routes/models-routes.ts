// GET /v1/models: the configured aliases in OpenAI's list shape (clients call it to check the base URL).
import { Hono } from 'hono';
import type { Config } from '../config/config-schema.js';
import { notFound } from '../errors/gateway-error.js';

export function modelsRoutes(config: Config): Hono {
  const app = new Hono();
  const models = Object.entries(config.models).map(([id, m]) => ({ id, object: 'model' as const, created: 0, owned_by: m.provider }));
  app.get('/', (c) => c.json({ object: 'list', data: models }));
  app.get('/:id{.+}', (c) => {
    const model = models.find((m) => m.id === c.req.param('id'));
    if (!model) throw notFound(`The model '${c.req.param('id')}' does not exist or you do not have access to it.`, 'model_not_found', 'model');
    return c.json(model);
  });
  return app;
}
