// One adapter per configured provider, chosen by its `type`.
import type { Config } from '../config/config-schema.js';
import { createChatCompletionsProvider } from './chat-completions-provider.js';
import { createOpenAIResponsesProvider } from './openai-responses-provider.js';
import type { Provider } from './provider.js';

export function createProviders(config: Config): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    switch (provider.type) {
      case 'openai-responses':
        providers.set(name, createOpenAIResponsesProvider(name, provider, config.limits));
        break;
      case 'chat-completions':
        providers.set(name, createChatCompletionsProvider(name, provider, config.limits));
        break;
      default: {
        const unknown: never = provider.type;
        throw new Error(`unknown provider type ${String(unknown)}`);
      }
    }
  }
  return providers;
}
