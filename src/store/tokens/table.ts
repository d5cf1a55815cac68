// The stores table: every token store, by the name AMPLIFY_TOKEN_STORE and config auth.tokenStore give it (SPEC: "token store").
//
// Adding a store is its backend file and one row here, with its name in TokenStoreKind beside it (plus its tests).
// The backends are imported statically, never with import(): the fast tier (dist/credential-fast.cjs) stands in for
// every lazily imported module, so a lazy store would hand every cached call to the full build. The build refuses
// that (tsup.config.ts); test/unit/token-stores.test.ts checks each row, test/perf-token-stores.test.ts that the
// fast tier answers from each.
import { AmplifyError } from '../../errors.js';
import type { TokenStoreBackend } from './backend.js';
import { fileBackend } from './file.js';
import { keyringBackend } from './keyring.js';
import { memoryBackend } from './memory.js';

/**
 * The token stores' names (AMPLIFY_TOKEN_STORE, auth.tokenStore). Spelled out so that the library's types stay a plain
 * union; TOKEN_STORES (src/store/tokens/table.ts) has exactly these keys: the compiler refuses one without the other.
 */
export type TokenStoreKind = 'keyring' | 'file' | 'memory';

/** In the order messages list them; the default (keyring, falling back to file) is tokens/choose.ts's. */
export const TOKEN_STORES = {
  keyring: keyringBackend,
  file: fileBackend,
  memory: memoryBackend,
} as const satisfies Record<TokenStoreKind, TokenStoreBackend>;

export const TOKEN_STORE_NAMES = Object.keys(TOKEN_STORES) as TokenStoreKind[];

/** A name of the table (a value from config.json is not trusted to be one). */
export const isTokenStoreKind = (value: unknown): value is TokenStoreKind => typeof value === 'string' && Object.hasOwn(TOKEN_STORES, value);

/** "keyring, file or memory". */
const listed = `${TOKEN_STORE_NAMES.slice(0, -1).join(', ')} or ${TOKEN_STORE_NAMES.at(-1)}`;

export function parseStoreKind(value: string | undefined, origin: string): TokenStoreKind | undefined {
  if (value === undefined || value === '') return undefined;
  if (isTokenStoreKind(value)) return value;
  throw new AmplifyError('ECONFIG', `${origin} is "${value}"; use ${listed}.`);
}

/** Every file some store keeps in the config dir (the state lock guards them all). */
export const TOKEN_STORE_FILES: readonly string[] = Object.values(TOKEN_STORES).flatMap((backend) => backend.files);
