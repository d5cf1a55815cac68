// The keyring store's data key: 32 random bytes in the OS keyring (@napi-rs/keyring), one entry per config dir.
import type { Context, KeyringBackend } from '../../context.js';
import { AmplifyError } from '../../errors.js';
import { canonicalBase64, crypto, KEY_BYTES } from './seal.js';

const KEYRING_SERVICE = 'amplify-auth';

/** The data key's keyring entry is per config dir, so several AMPLIFY_HOMEs do not share one. */
export const keyringEntry = (configDir: string): { service: string; account: string } => ({ service: KEYRING_SERVICE, account: `data-key:${configDir}` });

function keyringFailure(error: unknown, file: string, doing: 'open' | 'store'): AmplifyError {
  const what = doing === 'open' ? `the tokens in ${file} cannot be opened without it` : `tokens cannot be stored in ${file} without it`;
  return new AmplifyError(
    'EKEYRING',
    `the OS keyring did not answer (${(error as Error).message}); ${what}. Unlock the keyring (or start a Secret Service such as gnome-keyring), or set AMPLIFY_TOKEN_STORE=file.`,
    { cause: error },
  );
}

/**
 * The data key of the sealed `file`, asked of the keyring once and kept: undefined where the keyring has none and
 * `create` is false (a read), a fresh key written and read back where `create` is true (a write).
 */
export function dataKeyOf(ctx: Pick<Context, 'configDir' | 'keyring'>, file: string): (create: boolean) => Promise<Buffer | undefined> {
  const entry = keyringEntry(ctx.configDir);
  let cachedKey: Buffer | undefined;
  return async function dataKey(create) {
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
