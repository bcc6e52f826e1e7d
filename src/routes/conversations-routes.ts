// /v1/conversations: create, retrieve, update (POST), delete, and their items (list, add, retrieve, delete); each id scoped to the caller's key.
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { untagItem } from '../../transformers/maker-tag.js';
import type { ResponseItem } from '../../transformers/responses-types.js';
import { notFound } from '../errors/gateway-error.js';
import { inputItemId, newItemId } from '../pipeline/ids.js';
import type { PipelineDeps } from '../pipeline/run-response.js';
import type { AuthVariables } from '../server/authenticate.js';
import { readJsonBody } from '../server/read-json-body.js';
import type { InputItem, ResponseStore } from '../store/response-store.js';
import { parseConversationCreate, parseConversationItems, parseConversationUpdate } from './conversation-bodies.js';
import { listBody, parseListQuery, toListedItem } from './list-params.js';

type Env = { Bindings: HttpBindings; Variables: AuthVariables };

const conversationNotFound = (id: string) => notFound(`Conversation with id '${id}' not found.`, 'conversation_not_found', 'conversation_id');
const itemNotFound = (id: string) => notFound(`Item with id '${id}' not found.`, 'item_not_found', 'item_id');

const unixNow = () => Math.floor(Date.now() / 1000);

export function conversationsRoutes(deps: PipelineDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { store } = deps;
  const now = deps.now ?? unixNow;
  // POST /v1/conversations may come with no body at all (the SDK's `create()` with no arguments).
  const body = (incoming: HttpBindings['incoming']) =>
    incoming.headers['content-type'] === undefined && !Number(incoming.headers['content-length'] ?? 0) && incoming.headers['transfer-encoding'] === undefined
      ? Promise.resolve({})
      : readJsonBody(incoming, deps.config.server.body_limit_mb);
  const owned = async (owner: string, id: string) => {
    const conversation = await store.getConversation(owner, id);
    if (!conversation) throw conversationNotFound(id);
    return conversation;
  };

  app.post('/', async (c) => {
    const owner = c.get('owner');
    const { metadata, items } = parseConversationCreate(await body(c.env.incoming));
    const conversation = { id: newItemId('conv'), object: 'conversation' as const, created_at: now(), metadata };
    await store.createConversation(owner, conversation, await stampItems(store, owner, items));
    return c.json(conversation);
  });

  app.get('/:id', async (c) => c.json(await owned(c.get('owner'), c.req.param('id'))));

  app.post('/:id', async (c) => {
    const id = c.req.param('id');
    const metadata = parseConversationUpdate(await body(c.env.incoming));
    const updated = await store.updateConversation(c.get('owner'), id, metadata, now());
    if (!updated) throw conversationNotFound(id);
    return c.json(updated);
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await store.deleteConversation(c.get('owner'), id))) throw conversationNotFound(id);
    return c.json({ id, object: 'conversation.deleted', deleted: true });
  });

  app.get('/:id/items', async (c) => {
    const id = c.req.param('id');
    const page = await store.listConversationItems(c.get('owner'), id, parseListQuery(c.req.query()));
    if (!page) throw conversationNotFound(id);
    return c.json(listBody(page.items.map(toListedItem), page.hasMore));
  });

  app.post('/:id/items', async (c) => {
    const id = c.req.param('id');
    const owner = c.get('owner');
    const items = parseConversationItems(await body(c.env.incoming));
    await owned(owner, id);
    const stamped = await stampItems(store, owner, items);
    if (!(await store.addConversationItems(owner, id, stamped, now()))) throw conversationNotFound(id);
    return c.json(listBody(stamped.map(({ item }) => toListedItem(item)), false));
  });

  app.get('/:id/items/:itemId', async (c) => {
    const id = c.req.param('id');
    const itemId = c.req.param('itemId');
    const owner = c.get('owner');
    await owned(owner, id);
    const item = await store.getConversationItem(owner, id, itemId);
    if (!item) throw itemNotFound(itemId);
    return c.json(toListedItem(item));
  });

  app.delete('/:id/items/:itemId', async (c) => {
    const id = c.req.param('id');
    const itemId = c.req.param('itemId');
    const owner = c.get('owner');
    await owned(owner, id);
    if (!(await store.deleteConversationItem(owner, id, itemId))) throw itemNotFound(itemId);
    // As OpenAI answers: the conversation, not a deleted-item object.
    return c.json(await owned(owner, id));
  });

  return app;
}

/**
 * Items as a conversation keeps them: each with an id (the client's, or a new one) and its maker, so that
 * reasoning goes back only to the provider that made it. The maker is the stored item's of that id, or the
 * one a `store: false` output names in its blob (the blob is kept as its maker made it); an
 * `item_reference` becomes the stored item it names (unknown: 404 naming it).
 */
async function stampItems(store: ResponseStore, owner: string, items: ResponseItem[]): Promise<InputItem[]> {
  const ids = items.map((item) => item.id).filter((id): id is string => typeof id === 'string');
  const known = await store.findItemsById(owner, ids);
  return items.map((given, index) => {
    const found = typeof given.id === 'string' ? known.get(given.id) : undefined;
    if (given.type === 'item_reference') {
      if (!found) throw notFound(`Item with id '${String(given.id)}' not found.`, 'item_not_found', `items[${index}]`);
      return { id: given.id as string, item: found.item, provider: found.provider };
    }
    const { item: untagged, maker } = untagItem(given);
    const type = typeof untagged.type === 'string' ? untagged.type : 'message';
    const id = typeof untagged.id === 'string' ? untagged.id : inputItemId(type);
    return { id, item: { ...untagged, type, id }, provider: found?.provider ?? maker ?? null };
  });
}
