// Store choice: AMPLIFY_TOKEN_STORE, then config auth.tokenStore, else the keyring with an announced fallback to file.
import type { Context } from '../../context.js';
import { exists } from '../files.js';
import type { TokenStore } from './backend.js';
import { fileBackend, tokensFile } from './file.js';
import { keyringBackend } from './keyring.js';
import { keyringProblem } from './keyring-key.js';
import { isTokenStoreKind, parseStoreKind, TOKEN_STORES, type TokenStoreKind } from './table.js';

export interface StoreChoice {
  store: TokenStore;
  /** Set when the default keyring store fell back to the file store: to be announced at login. */
  fallbackNotice?: string;
}

/**
 * Picks the store: AMPLIFY_TOKEN_STORE, then config auth.tokenStore, else keyring with an announced
 * fallback to file where no keyring answers. `probe` is false on read-only paths, which never write a key.
 * A store named explicitly is asked whether it can be used (TokenStoreBackend.ensureUsable) and never falls back:
 * an explicit keyring that does not answer gives the caller EKEYRING instead of a file.
 */
export async function chooseTokenStore(
  ctx: Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>,
  configured: TokenStoreKind | undefined,
  probe: boolean,
): Promise<StoreChoice> {
  const fromEnv = parseStoreKind(ctx.env.AMPLIFY_TOKEN_STORE, 'AMPLIFY_TOKEN_STORE');
  const explicit = fromEnv ?? configured;
  // config.json is a hand-editable file: a name that is not in the table is the default.
  if (isTokenStoreKind(explicit)) {
    const backend = TOKEN_STORES[explicit];
    if (probe) await backend.ensureUsable?.(ctx, fromEnv ? `AMPLIFY_TOKEN_STORE=${explicit}` : `auth.tokenStore is "${explicit}" in config.json`);
    return { store: backend.create(ctx) };
  }
  // Default: keep using whichever store already holds tokens (its file exists, in the table's order); choose afresh only when there are none.
  for (const backend of Object.values(TOKEN_STORES)) {
    const store = backend.create(ctx);
    if (store.location !== null && (await exists(store.location))) return { store };
  }
  if (!probe) return { store: fileBackend.create(ctx) };
  const problem = await keyringProblem(ctx);
  if (problem === null) return { store: keyringBackend.create(ctx) };
  const file = tokensFile(ctx);
  return {
    store: fileBackend.create(ctx),
    fallbackNotice: `amplify: no OS keyring answered (${problem}); tokens are stored in ${file} (mode 0600), readable by anything running as you. Set AMPLIFY_TOKEN_STORE=file to keep this choice quietly, or unlock a keyring and log in again.`,
  };
}
