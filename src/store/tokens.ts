// The token store as the rest of amplify sees it: what it keeps, the TokenStore interface, the table and the choice.
// Each part is a file of its own under src/store/tokens/ (NOTES-stores.md: how to add a store).
export { accountKey, registryKey, terraformKey, ACCOUNT_SECRET_FIELDS } from './tokens/entries.js';
export type { AccountSecrets, RegistrySecret, SecretEntry, SecretMap, TerraformSecret } from './tokens/entries.js';
export type { StoreContext, TokenStore, TokenStoreBackend } from './tokens/backend.js';
export { TOKEN_STORES, TOKEN_STORE_FILES, TOKEN_STORE_NAMES, isTokenStoreKind, parseStoreKind } from './tokens/table.js';
export type { TokenStoreKind } from './tokens/table.js';
export { chooseTokenStore } from './tokens/choose.js';
export type { StoreChoice } from './tokens/choose.js';
export { fileStore, tokensFile } from './tokens/file.js';
export { memoryStore } from './tokens/memory.js';
export { encryptedTokensFile, keyringStore } from './tokens/keyring.js';
export { keyringEntry, keyringProblem } from './tokens/keyring-key.js';
export { parseSealed, seal, serializeSealed, unseal } from './tokens/seal.js';
export type { Sealed } from './tokens/seal.js';
