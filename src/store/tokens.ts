// TokenStore: where tokens and credentials live; `keyring` (AES-256-GCM file, key in the OS keyring), `file` (0600) or `memory`.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, KeyringBackend } from '../context.js';
import { AmplifyError } from '../errors.js';
import type { TokenStoreKind } from './config.js';
import { readJsonFile, readOptionalFile, writePrivateFile } from './files.js';

export interface AccountSecrets {
  kind: 'account';
  accessToken?: string;
  /** Epoch milliseconds; null when the issuer did not say. */
  accessExpiresAt?: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number | null;
  idToken?: string;
  /** Service accounts keep what re-runs their grant. */
  clientSecret?: string;
  privateKey?: string;
}

export interface RegistrySecret {
  kind: 'docker';
  serverURL: string;
  username: string;
  secret: string;
}

export type SecretEntry = AccountSecrets | RegistrySecret;
export type SecretMap = Record<string, SecretEntry>;

export const accountKey = (name: string): string => `account:${name}`;
export const registryKey = (serverURL: string): string => `docker:${serverURL}`;

/** One small interface, every backend behind it (as docker-credential-helpers does). */
export interface TokenStore {
  readonly kind: TokenStoreKind;
  /** The file that holds the (encrypted) tokens, for messages; null for memory. */
  readonly location: string | null;
  read(): Promise<SecretMap>;
  /** Callers hold the state lock: see store/state.ts. */
  write(entries: SecretMap): Promise<void>;
}

interface Envelope {
  entries: SecretMap;
}

export const tokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, 'tokens.json');
export const encryptedTokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, 'tokens.enc');

export function fileStore(file: string): TokenStore {
  return {
    kind: 'file',
    location: file,
    async read() {
      const data = await readJsonFile<Envelope>(file);
      if (data !== undefined && (typeof data !== 'object' || data === null || typeof data.entries !== 'object')) {
        throw new AmplifyError('ESTORE', `${file} does not have the shape amplify expects; amplify left it unchanged: repair it, or move it away and log in again.`);
      }
      return data?.entries ?? {};
    },
    async write(entries) {
      await writePrivateFile(file, `${JSON.stringify({ version: 1, entries } satisfies Envelope & { version: 1 }, null, 2)}\n`);
    },
  };
}

const memoryMaps = new Map<string, SecretMap>();

export function memoryStore(scope: string): TokenStore {
  return {
    kind: 'memory',
    location: null,
    async read() {
      return structuredClone(memoryMaps.get(scope) ?? {});
    },
    async write(entries) {
      memoryMaps.set(scope, structuredClone(entries));
    },
  };
}

const KEYRING_SERVICE = 'amplify-auth';
const AAD = Buffer.from('amplify-auth tokens v1');

interface Sealed {
  version: 1;
  alg: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

export function seal(key: Buffer, plaintext: string): Sealed {
  // A fresh 96-bit nonce for every write: GCM must never see the same (key, nonce) twice.
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { version: 1, alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function unseal(key: Buffer, sealed: Sealed, file: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new AmplifyError(
      'EKEYRING',
      `${file} failed its integrity check (changed on disk, or sealed with another keyring key); amplify left it unchanged: restore it, or move it away and log in again.`,
      { cause: error },
    );
  }
}

function keyringFailure(error: unknown, file: string): AmplifyError {
  return new AmplifyError(
    'EKEYRING',
    `the OS keyring did not answer (${(error as Error).message}); the tokens in ${file} cannot be opened without it. Unlock the keyring, or set AMPLIFY_TOKEN_STORE=file.`,
    { cause: error },
  );
}

/** The data key's keyring entry is per config dir, so several AMPLIFY_HOMEs do not share one. */
const keyAccount = (configDir: string): string => `data-key:${configDir}`;

export function keyringStore(ctx: Pick<Context, 'configDir' | 'keyring'>): TokenStore {
  const file = encryptedTokensFile(ctx);
  let cachedKey: Buffer | undefined;

  async function dataKey(create: boolean): Promise<Buffer | undefined> {
    if (cachedKey) return cachedKey;
    let keyring: KeyringBackend;
    let existing: string | null;
    try {
      keyring = await ctx.keyring();
      existing = keyring.get(KEYRING_SERVICE, keyAccount(ctx.configDir));
    } catch (error) {
      throw keyringFailure(error, file);
    }
    if (existing) {
      cachedKey = Buffer.from(existing, 'base64');
      if (cachedKey.length !== 32) throw new AmplifyError('EKEYRING', `the OS keyring's data key for ${file} is not 32 bytes; remove the "${KEYRING_SERVICE}" keyring entry and log in again.`);
      return cachedKey;
    }
    if (!create) return undefined;
    const fresh = randomBytes(32);
    try {
      keyring.set(KEYRING_SERVICE, keyAccount(ctx.configDir), fresh.toString('base64'));
      // Read back: some backends accept a write they cannot keep.
      if (keyring.get(KEYRING_SERVICE, keyAccount(ctx.configDir)) !== fresh.toString('base64')) throw new Error('the key did not read back');
    } catch (error) {
      throw keyringFailure(error, file);
    }
    cachedKey = fresh;
    return fresh;
  }

  return {
    kind: 'keyring',
    location: file,
    async read() {
      const bytes = await readOptionalFile(file);
      if (bytes === undefined) return {};
      let sealed: Sealed;
      try {
        sealed = JSON.parse(bytes.toString('utf8')) as Sealed;
        if (sealed.alg !== 'A256GCM' || typeof sealed.data !== 'string') throw new Error('unknown format');
      } catch (error) {
        throw new AmplifyError('ESTORE', `${file} is not an amplify token file (${(error as Error).message}); amplify left it unchanged: restore it, or move it away and log in again.`);
      }
      const key = await dataKey(false);
      if (!key) {
        throw new AmplifyError(
          'EKEYRING',
          `the OS keyring has no key for ${file} (keyring locked, no D-Bus session, or the entry was removed); unlock the keyring, or move the file away and log in again.`,
        );
      }
      return (JSON.parse(unseal(key, sealed, file)) as Envelope).entries ?? {};
    },
    async write(entries) {
      const key = (await dataKey(true)) as Buffer;
      await writePrivateFile(file, `${JSON.stringify(seal(key, JSON.stringify({ entries })))}\n`);
    },
  };
}

/** Whether an OS keyring answers: read, and where nothing is there yet, write and read back. */
export async function keyringAnswers(ctx: Pick<Context, 'configDir' | 'keyring' | 'log'>): Promise<boolean> {
  try {
    const keyring = await ctx.keyring();
    if (keyring.get(KEYRING_SERVICE, keyAccount(ctx.configDir))) return true;
    const probe = randomBytes(32).toString('base64');
    keyring.set(KEYRING_SERVICE, keyAccount(ctx.configDir), probe);
    return keyring.get(KEYRING_SERVICE, keyAccount(ctx.configDir)) === probe;
  } catch (error) {
    ctx.log.debug(`keyring probe failed: ${(error as Error).message}`);
    return false;
  }
}

export interface StoreChoice {
  store: TokenStore;
  /** Set when the default keyring store fell back to the file store: to be announced at login. */
  fallbackNotice?: string;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

export function parseStoreKind(value: string | undefined, origin: string): TokenStoreKind | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'keyring' || value === 'file' || value === 'memory') return value;
  throw new AmplifyError('ECONFIG', `${origin} is "${value}"; use keyring, file or memory.`);
}

/**
 * Picks the store: AMPLIFY_TOKEN_STORE, then config auth.tokenStore, else keyring with an announced
 * fallback to file where no keyring answers. `probe` is false on read-only paths, which never write a key.
 */
export async function chooseTokenStore(
  ctx: Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>,
  configured: TokenStoreKind | undefined,
  probe: boolean,
): Promise<StoreChoice> {
  const explicit = parseStoreKind(ctx.env.AMPLIFY_TOKEN_STORE, 'AMPLIFY_TOKEN_STORE') ?? configured;
  if (explicit === 'memory') return { store: memoryStore(ctx.configDir) };
  if (explicit === 'file') return { store: fileStore(tokensFile(ctx)) };
  if (explicit === 'keyring') return { store: keyringStore(ctx) };
  // Default: keep using whichever store already holds tokens; choose afresh only when there are none.
  if (await exists(encryptedTokensFile(ctx))) return { store: keyringStore(ctx) };
  if (await exists(tokensFile(ctx))) return { store: fileStore(tokensFile(ctx)) };
  if (!probe || (await keyringAnswers(ctx))) return { store: probe ? keyringStore(ctx) : fileStore(tokensFile(ctx)) };
  const file = tokensFile(ctx);
  return {
    store: fileStore(file),
    fallbackNotice: `amplify: no OS keyring answered; tokens are stored in ${file} (mode 0600). Set AMPLIFY_TOKEN_STORE=file to keep this choice quietly, or unlock a keyring and log in again.`,
  };
}
