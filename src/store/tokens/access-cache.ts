// The keyring store's access-token cache: the short-lived access tokens of the sealed store (tokens.enc), in a 0600
// file beside it, so that a cached lookup needs neither the OS keyring (a D-Bus session to the Secret Service) nor
// node:crypto. Nothing long-lived is ever in it: no refresh token, ID token, client secret, private key or docker
// credential, and no access token without a stated expiry. It is bound to one sealed file: it holds a copy of the
// tokens.enc it was written with (sealed, so nothing more than the file itself), and a lookup uses it only while
// tokens.enc is still that file byte for byte (every write seals with a fresh nonce, so every write makes another
// file): any change of the store (a refresh, a login, a logout, an erase, a damaged or tampered byte) makes it stale
// at once, without a hash to compute. The store's writer, which holds the state lock, rewrites it after every write
// of tokens.enc. SECURITY.md says what it gives away.
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readOptionalFile, writePrivateFile } from '../files.js';
import type { SecretMap } from './entries.js';

const VERSION = 1;

/** Its name in the config dir, beside tokens.enc. */
export const ACCESS_CACHE = 'access-cache.json';

export const accessCacheFile = (configDir: string): string => join(configDir, ACCESS_CACHE);

interface CacheFile {
  version: typeof VERSION;
  /** The tokens.enc these tokens were sealed into, as written. */
  sealed: string;
  entries: Record<string, { accessToken: string; accessExpiresAt: number; receivedAt?: number }>;
}

/** The entries worth caching: accounts' access tokens that say when they expire. */
function cacheable(entries: SecretMap): CacheFile['entries'] {
  const out: CacheFile['entries'] = {};
  for (const [key, entry] of Object.entries(entries)) {
    if (entry.kind === 'account' && entry.accessToken && typeof entry.accessExpiresAt === 'number') {
      out[key] = { accessToken: entry.accessToken, accessExpiresAt: entry.accessExpiresAt, ...(typeof entry.receivedAt === 'number' ? { receivedAt: entry.receivedAt } : {}) };
    }
  }
  return out;
}

/**
 * Replaces the cache with the access tokens of `entries`, just sealed into the tokens.enc that reads `sealed` (or
 * removes it when there are none). Callers hold the state lock. A failure here costs speed, never correctness
 * (a cache of another tokens.enc is not used), so it is traced, not thrown.
 */
export async function writeAccessCache(configDir: string, sealed: string, entries: SecretMap, log: Pick<Logger, 'debug'>): Promise<void> {
  const file = accessCacheFile(configDir);
  const kept = cacheable(entries);
  try {
    if (Object.keys(kept).length === 0) await unlink(file);
    else await writePrivateFile(file, `${JSON.stringify({ version: VERSION, sealed, entries: kept } satisfies CacheFile)}\n`);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') log.debug(`the access-token cache ${file} was not updated: ${(error as Error).message}`);
  }
}

/**
 * The cached access tokens, as account entries that hold nothing else, when the cache belongs to the tokens.enc that
 * reads `sealed` (its bytes as read now), is the user's own and is readable by nobody else; undefined otherwise (the caller then reads
 * the sealed store). Never throws: the cache is only ever an optimisation.
 */
export async function readAccessCache(configDir: string, sealed: Buffer): Promise<SecretMap | undefined> {
  const file = accessCacheFile(configDir);
  try {
    const info = await lstat(file);
    if (!info.isFile() || (info.mode & 0o077) !== 0 || (process.getuid !== undefined && info.uid !== process.getuid())) return undefined;
    const bytes = await readOptionalFile(file, true);
    if (bytes === undefined) return undefined;
    const data = JSON.parse(bytes.toString('utf8')) as Partial<CacheFile>;
    if (data?.version !== VERSION || typeof data.sealed !== 'string' || !sealed.equals(Buffer.from(data.sealed, 'utf8')) || typeof data.entries !== 'object' || data.entries === null) return undefined;
    const out: SecretMap = {};
    for (const [key, entry] of Object.entries(data.entries)) {
      if (typeof entry?.accessToken !== 'string' || typeof entry.accessExpiresAt !== 'number') return undefined;
      if (entry.receivedAt !== undefined && typeof entry.receivedAt !== 'number') return undefined;
      out[key] = { kind: 'account', accessToken: entry.accessToken, accessExpiresAt: entry.accessExpiresAt, ...(entry.receivedAt === undefined ? {} : { receivedAt: entry.receivedAt }) };
    }
    return out;
  } catch {
    return undefined;
  }
}
