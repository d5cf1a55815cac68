// The `memory` store: this process only (tests, and one-off runs that must leave nothing behind).
import type { TokenStore, TokenStoreBackend } from './backend.js';
import type { SecretMap } from './entries.js';
import { maskSecrets } from './mask.js';

const memoryMaps = new Map<string, SecretMap>();

/** One map per scope (the config dir), shared by every store made for it in this process. */
export function memoryStore(scope: string): TokenStore {
  return {
    kind: 'memory',
    location: null,
    durable: false,
    sealText: async (text) => text,
    openText: async (text) => text,
    async read() {
      return maskSecrets(structuredClone(memoryMaps.get(scope) ?? {}));
    },
    async write(entries) {
      memoryMaps.set(scope, structuredClone(entries));
    },
  };
}

export const memoryBackend: TokenStoreBackend = {
  create: (ctx) => memoryStore(ctx.configDir),
  files: [],
};
