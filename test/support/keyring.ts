// An OS keyring held by this process alone, and a logger that says nothing: for tests that make stores in-process.
import type { KeyringBackend } from '../../src/context.js';
import { createLogger } from '../../src/log.js';

export function processKeyring(): KeyringBackend {
  const items = new Map<string, string>();
  return {
    get: (service, account) => items.get(`${service}/${account}`) ?? null,
    set: (service, account, secret) => void items.set(`${service}/${account}`, secret),
    delete: (service, account) => items.delete(`${service}/${account}`),
  };
}

export const silentLog = createLogger({ write: () => true } as unknown as NodeJS.WritableStream, false);
