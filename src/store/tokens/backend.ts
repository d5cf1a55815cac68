// The one small interface every token store implements (as docker-credential-helpers' Helper), and its table entry.
import type { Context } from '../../context.js';
import type { SecretMap } from './entries.js';
import type { TokenStoreKind } from './table.js';

export interface TokenStore {
  readonly kind: TokenStoreKind;
  /** The file that holds the (encrypted) tokens, for messages; null where they are not in a file of amplify's (memory). */
  readonly location: string | null;
  /** Whether what it holds outlives this process: a refresh journals its rotated tokens (accounts/journal.ts) only then. */
  readonly durable: boolean;
  read(): Promise<SecretMap>;
  /** Text as it may rest on disk outside the store (the refresh journal): sealed with the store's key where it has one. */
  sealText(text: string): Promise<string>;
  openText(text: string, file: string): Promise<string>;
  /**
   * What a lock-free token lookup needs, where the store can give it faster than read(): the accounts' access tokens
   * and their expiry, perhaps nothing else (an account it has no cached token for is left out). Never write back.
   */
  readAccess?(): Promise<SecretMap>;
  /** Callers hold the state lock: see store/state.ts. beforeRename is that lock's fence (store/lock.ts). */
  write(entries: SecretMap, beforeRename?: () => Promise<void>): Promise<void>;
}

/** What a store is made from: the config dir it belongs to, the OS keyring, and where its warnings go. */
export type StoreContext = Pick<Context, 'configDir' | 'keyring' | 'log'>;

/**
 * One row of the stores table (tokens/table.ts): how the store is made and which files it owns. Its module is
 * imported statically by the table: the fast tier (dist/credential-fast.cjs) answers cached calls from every store,
 * and the build refuses a store module it would have to stand in for (tsup.config.ts).
 */
export interface TokenStoreBackend {
  create(ctx: StoreContext): TokenStore;
  /**
   * The files it keeps in the config dir: the state lock guards them, and a temp file beside one is a killed
   * writer's (store/state.ts). The store's location, where it has one, is the first.
   */
  readonly files: readonly string[];
  /**
   * Chosen explicitly (`chosenBy`: `AMPLIFY_TOKEN_STORE=<name>` or `auth.tokenStore is "<name>" in config.json`), it is
   * asked before a login writes to it: it throws where it cannot be used here (the keyring, where none answers).
   */
  ensureUsable?(ctx: StoreContext, chosenBy: string): Promise<void>;
}
