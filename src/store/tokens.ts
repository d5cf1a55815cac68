// TokenStore: where tokens and credentials live; `keyring` (AES-256-GCM file, key in the OS keyring), `file` (0600) or `memory`.
import { access, chmod, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, KeyringBackend } from '../context.js';
import { AmplifyError } from '../errors.js';
import { registerSecret, type Logger } from '../log.js';
import { readAccessCache, writeAccessCache } from './access-cache.js';
import type { TokenStoreKind } from './config.js';
import { FILE_MODE, readJsonFile, readOptionalFile, writePrivateFile } from './files.js';


// node:crypto on first use: only the keyring store needs it, and a cached read from the file store should not pay ~2 ms for it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');

export interface AccountSecrets {
  kind: 'account';
  accessToken?: string;
  /** Epoch milliseconds; null when the issuer did not say. */
  accessExpiresAt?: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number | null;
  /** Epoch milliseconds by the local clock when the access token arrived: one in the future means a clock that was ahead. */
  receivedAt?: number;
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

/** What Terraform's `store` gave for a host no account is bound to (`{"token": ...}` as a rule), kept as given. */
export interface TerraformSecret {
  kind: 'terraform';
  host: string;
  credentials: Record<string, unknown>;
}

export type SecretEntry = AccountSecrets | RegistrySecret | TerraformSecret;
export type SecretMap = Record<string, SecretEntry>;

export const accountKey = (name: string): string => `account:${name}`;
export const registryKey = (serverURL: string): string => `docker:${serverURL}`;
export const terraformKey = (host: string): string => `terraform:${host}`;

/** One small interface, every backend behind it (as docker-credential-helpers does). */
export interface TokenStore {
  readonly kind: TokenStoreKind;
  /** The file that holds the (encrypted) tokens, for messages; null for memory. */
  readonly location: string | null;
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

interface Envelope {
  entries: SecretMap;
}

export const tokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, 'tokens.json');
export const encryptedTokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, 'tokens.enc');

/** Everything read from a store is masked from then on, whichever code path later prints what it holds. */
function remember(entries: SecretMap): SecretMap {
  for (const entry of Object.values(entries)) {
    if (typeof entry !== 'object' || entry === null) continue;
    if (entry.kind === 'docker') registerSecret(entry.secret);
    else if (entry.kind === 'terraform') for (const value of Object.values(entry.credentials ?? {})) registerSecret(typeof value === 'string' ? value : undefined);
    else for (const value of [entry.accessToken, entry.refreshToken, entry.idToken, entry.clientSecret, entry.privateKey]) registerSecret(value);
  }
  return entries;
}

/**
 * A token file someone made readable by others goes back to 0600 as soon as amplify sees it, not only at the next
 * write: a helper that only reads would otherwise leave it open indefinitely.
 */
async function tightenMode(file: string, log: Pick<Logger, 'warn'> | undefined): Promise<void> {
  let mode: number;
  try {
    // lstat: a link is refused by the read that follows (never followed, never chmodded through).
    const info = await lstat(file);
    if (info.isSymbolicLink()) return;
    mode = info.mode & 0o777;
  } catch {
    // Missing, or not even stat-able: the read that follows says which.
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(file, FILE_MODE);
    log?.warn(`amplify: ${file} was readable by others (mode 0${mode.toString(8)}); amplify set it back to 0600.`);
  } catch (error) {
    log?.warn(`amplify: ${file} is readable by others (mode 0${mode.toString(8)}) and amplify cannot change that (${(error as Error).message}); run chmod 600 on it.`);
  }
}

export function fileStore(file: string, log?: Pick<Logger, 'warn'>): TokenStore {
  return {
    kind: 'file',
    location: file,
    async read() {
      await tightenMode(file, log);
      const data = await readJsonFile<Envelope>(file);
      if (data !== undefined && (typeof data !== 'object' || data === null || typeof data.entries !== 'object' || data.entries === null)) {
        throw new AmplifyError('ESTORE', `${file} does not have the shape amplify expects; amplify left it unchanged: repair it, or move it away and log in again.`);
      }
      return remember(data?.entries ?? {});
    },
    sealText: async (text) => text,
    openText: async (text) => text,
    async write(entries, beforeRename) {
      await writePrivateFile(file, `${JSON.stringify({ version: 1, entries } satisfies Envelope & { version: 1 }, null, 2)}\n`, beforeRename);
    },
  };
}

const memoryMaps = new Map<string, SecretMap>();

export function memoryStore(scope: string): TokenStore {
  return {
    kind: 'memory',
    location: null,
    sealText: async (text) => text,
    openText: async (text) => text,
    async read() {
      return remember(structuredClone(memoryMaps.get(scope) ?? {}));
    },
    async write(entries) {
      memoryMaps.set(scope, structuredClone(entries));
    },
  };
}

const KEYRING_SERVICE = 'amplify-auth';
// Bound into every seal: a file of another format or version cannot be passed off as this one.
const AAD = Buffer.from('amplify-auth tokens v1');
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  version: 1;
  alg: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

/** The exact bytes amplify writes for a seal: reading compares against them, so no byte of the file goes unchecked. */
export function serializeSealed(sealed: Sealed): string {
  const { version, alg, iv, tag, data } = sealed;
  return `${JSON.stringify({ version, alg, iv, tag, data })}\n`;
}

export function seal(key: Buffer, plaintext: string): Sealed {
  // A fresh 96-bit nonce for every write: GCM must never see the same (key, nonce) twice.
  const iv = crypto().randomBytes(IV_BYTES);
  const cipher = crypto().createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { version: 1, alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

const integrityFailure = (file: string, why: string, cause?: unknown): AmplifyError =>
  new AmplifyError(
    'EINTEGRITY',
    `${file} failed its integrity check (${why}): it was changed on disk, damaged, or sealed with another keyring key. amplify left it unchanged and will not write over it: restore it from a backup, or move it away and log in again.`,
    cause === undefined ? {} : { cause },
  );

/** Base64 that decodes to `length` bytes (any length when undefined) and is spelled the one way Node writes it. */
function canonicalBase64(text: unknown, length?: number): Buffer | null {
  if (typeof text !== 'string') return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  return length === undefined || bytes.length === length ? bytes : null;
}

/** Parses the bytes of tokens.enc, refusing anything but what serializeSealed writes. */
export function parseSealed(bytes: Buffer, file: string): { sealed: Sealed; iv: Buffer; tag: Buffer; data: Buffer } {
  let value: Partial<Sealed>;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Partial<Sealed>;
  } catch {
    throw integrityFailure(file, 'it is not the JSON amplify writes');
  }
  if (typeof value !== 'object' || value === null || value.version !== 1 || value.alg !== 'A256GCM') {
    throw integrityFailure(file, 'unknown format or version');
  }
  const iv = canonicalBase64(value.iv, IV_BYTES);
  const tag = canonicalBase64(value.tag, TAG_BYTES);
  const data = canonicalBase64(value.data);
  if (!iv || !tag || !data) throw integrityFailure(file, 'a field is not what amplify writes');
  const sealed = value as Sealed;
  // Whitespace, key order, duplicate keys, a changed newline: anything the JSON reading forgave.
  if (!Buffer.from(serializeSealed(sealed), 'utf8').equals(bytes)) throw integrityFailure(file, 'it is not byte for byte what amplify writes');
  return { sealed, iv, tag, data };
}

export function unseal(key: Buffer, bytes: Buffer, file: string): string {
  const { iv, tag, data } = parseSealed(bytes, file);
  try {
    const decipher = crypto().createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (error) {
    throw integrityFailure(file, 'its authentication tag does not match', error);
  }
}

function keyringFailure(error: unknown, file: string, doing: 'open' | 'store'): AmplifyError {
  const what = doing === 'open' ? `the tokens in ${file} cannot be opened without it` : `tokens cannot be stored in ${file} without it`;
  return new AmplifyError(
    'EKEYRING',
    `the OS keyring did not answer (${(error as Error).message}); ${what}. Unlock the keyring (or start a Secret Service such as gnome-keyring), or set AMPLIFY_TOKEN_STORE=file.`,
    { cause: error },
  );
}

/** The data key's keyring entry is per config dir, so several AMPLIFY_HOMEs do not share one. */
export const keyringEntry = (configDir: string): { service: string; account: string } => ({ service: KEYRING_SERVICE, account: `data-key:${configDir}` });

export function keyringStore(ctx: Pick<Context, 'configDir' | 'keyring' | 'log'>): TokenStore {
  const file = encryptedTokensFile(ctx);
  const entry = keyringEntry(ctx.configDir);
  let cachedKey: Buffer | undefined;

  async function dataKey(create: boolean): Promise<Buffer | undefined> {
    if (cachedKey) return cachedKey;
    let keyring: KeyringBackend;
    let existing: string | null;
    try {
      keyring = await ctx.keyring();
      existing = keyring.get(entry.service, entry.account);
    } catch (error) {
      throw keyringFailure(error, file, create ? 'store' : 'open');
    }
    if (existing) {
      const key = canonicalBase64(existing, KEY_BYTES);
      if (!key) {
        throw new AmplifyError(
          'EKEYRING',
          `the OS keyring's data key for ${file} (service "${entry.service}", account "${entry.account}") is not a ${KEY_BYTES}-byte key; amplify left both unchanged. Remove that keyring entry, move ${file} away, and log in again.`,
        );
      }
      cachedKey = key;
      return key;
    }
    if (!create) return undefined;
    const fresh = crypto().randomBytes(KEY_BYTES).toString('base64');
    try {
      keyring.set(entry.service, entry.account, fresh);
      // Read back: some backends accept a write they cannot keep.
      if (keyring.get(entry.service, entry.account) !== fresh) throw new Error('the key did not read back');
    } catch (error) {
      throw keyringFailure(error, file, 'store');
    }
    cachedKey = Buffer.from(fresh, 'base64');
    return cachedKey;
  }

  /** tokens.enc's bytes, checked for shape (not yet opened), after its mode is seen to; never through a link. */
  async function sealedBytes(): Promise<Buffer | undefined> {
    await tightenMode(file, ctx.log);
    const bytes = await readOptionalFile(file, true);
    if (bytes === undefined) return undefined;
    // Checked before the keyring is asked: a damaged file is reported as such even where no keyring answers.
    parseSealed(bytes, file);
    return bytes;
  }

  async function open(bytes: Buffer): Promise<SecretMap> {
    const key = await dataKey(false);
    if (!key) {
      throw new AmplifyError(
        'EKEYRING',
        `the OS keyring has no key for ${file} (service "${entry.service}", account "${entry.account}": the keyring is locked, there is no D-Bus session, or the entry was removed); amplify left the file unchanged. Unlock the keyring, or move the file away and log in again.`,
      );
    }
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(unseal(key, bytes, file)) as Partial<Envelope>;
    } catch (error) {
      if (error instanceof AmplifyError) throw error;
      throw integrityFailure(file, 'its content is not what amplify seals', error);
    }
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.entries !== 'object' || envelope.entries === null) {
      throw integrityFailure(file, 'its content is not what amplify seals');
    }
    return remember(envelope.entries);
  }

  return {
    kind: 'keyring',
    location: file,
    async read() {
      const sealed = await sealedBytes();
      return sealed ? open(sealed) : {};
    },
    // The access-token cache of this very tokens.enc (src/store/access-cache.ts), else the sealed store itself.
    async readAccess() {
      const sealed = await sealedBytes();
      if (!sealed) return {};
      const cached = await readAccessCache(ctx.configDir, sealed);
      return cached ? remember(cached) : open(sealed);
    },
    async sealText(text) {
      return serializeSealed(seal((await dataKey(true)) as Buffer, text));
    },
    async openText(text, where) {
      const key = await dataKey(false);
      if (!key) throw new AmplifyError('EKEYRING', `the OS keyring has no key for ${where}; unlock the keyring and try again.`);
      return unseal(key, Buffer.from(text, 'utf8'), where);
    },
    async write(entries, beforeRename) {
      const key = (await dataKey(true)) as Buffer;
      const sealed = serializeSealed(seal(key, JSON.stringify({ entries })));
      await writePrivateFile(file, sealed, beforeRename);
      await writeAccessCache(ctx.configDir, sealed, entries, ctx.log);
    },
  };
}

/** Why no OS keyring answers, or null when one does: read, and where nothing is there yet, write and read back. */
export async function keyringProblem(ctx: Pick<Context, 'configDir' | 'keyring' | 'log'>): Promise<string | null> {
  const { service, account } = keyringEntry(ctx.configDir);
  try {
    const keyring = await ctx.keyring();
    if (keyring.get(service, account)) return null;
    // The probe value becomes the data key: it is as random as any other.
    const probe = crypto().randomBytes(KEY_BYTES).toString('base64');
    keyring.set(service, account, probe);
    return keyring.get(service, account) === probe ? null : 'a value written to it did not read back';
  } catch (error) {
    ctx.log.debug(`keyring probe failed: ${(error as Error).message}`);
    return (error as Error).message || String(error);
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
 * An explicit keyring never falls back: where it does not answer, the caller gets EKEYRING instead of a file.
 */
export async function chooseTokenStore(
  ctx: Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>,
  configured: TokenStoreKind | undefined,
  probe: boolean,
): Promise<StoreChoice> {
  const fromEnv = parseStoreKind(ctx.env.AMPLIFY_TOKEN_STORE, 'AMPLIFY_TOKEN_STORE');
  const explicit = fromEnv ?? configured;
  if (explicit === 'memory') return { store: memoryStore(ctx.configDir) };
  if (explicit === 'file') return { store: fileStore(tokensFile(ctx), ctx.log) };
  if (explicit === 'keyring') {
    if (probe) {
      const problem = await keyringProblem(ctx);
      if (problem !== null) {
        const origin = fromEnv ? 'AMPLIFY_TOKEN_STORE=keyring' : 'auth.tokenStore is "keyring" in config.json';
        throw new AmplifyError(
          'EKEYRING',
          `${origin}, and no OS keyring answered (${problem}); amplify does not fall back to a plain file when the keyring was asked for. Unlock the keyring (or start a Secret Service such as gnome-keyring), or set AMPLIFY_TOKEN_STORE=file.`,
        );
      }
    }
    return { store: keyringStore(ctx) };
  }
  // Default: keep using whichever store already holds tokens; choose afresh only when there are none.
  if (await exists(encryptedTokensFile(ctx))) return { store: keyringStore(ctx) };
  if (await exists(tokensFile(ctx))) return { store: fileStore(tokensFile(ctx), ctx.log) };
  if (!probe) return { store: fileStore(tokensFile(ctx), ctx.log) };
  const problem = await keyringProblem(ctx);
  if (problem === null) return { store: keyringStore(ctx) };
  const file = tokensFile(ctx);
  return {
    store: fileStore(file, ctx.log),
    fallbackNotice: `amplify: no OS keyring answered (${problem}); tokens are stored in ${file} (mode 0600), readable by anything running as you. Set AMPLIFY_TOKEN_STORE=file to keep this choice quietly, or unlock a keyring and log in again.`,
  };
}
