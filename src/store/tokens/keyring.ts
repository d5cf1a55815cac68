// The `keyring` store (the default): tokens.enc, sealed (tokens/seal.ts) under a data key in the OS keyring (tokens/keyring-key.ts).
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { AmplifyError } from '../../errors.js';
import { readOptionalFile, writePrivateFile } from '../files.js';
import { ACCESS_CACHE, readAccessCache, writeAccessCache } from './access-cache.js';
import type { StoreContext, TokenStore, TokenStoreBackend } from './backend.js';
import type { Envelope, SecretMap } from './entries.js';
import { dataKeyOf, keyringEntry, keyringProblem } from './keyring-key.js';
import { maskSecrets } from './mask.js';
import { integrityFailure, parseSealed, seal, serializeSealed, unseal } from './seal.js';
import { tightenMode } from './tighten.js';

const FILE = 'tokens.enc';

export const encryptedTokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, FILE);

export function keyringStore(ctx: StoreContext): TokenStore {
  const file = encryptedTokensFile(ctx);
  const entry = keyringEntry(ctx.configDir);
  const dataKey = dataKeyOf(ctx, file);

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
    return maskSecrets(envelope.entries);
  }

  return {
    kind: 'keyring',
    location: file,
    durable: true,
    async read() {
      const sealed = await sealedBytes();
      return sealed ? open(sealed) : {};
    },
    // The access-token cache of this very tokens.enc (tokens/access-cache.ts), else the sealed store itself.
    async readAccess() {
      const sealed = await sealedBytes();
      if (!sealed) return {};
      const cached = await readAccessCache(ctx.configDir, sealed);
      return cached ? maskSecrets(cached) : open(sealed);
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

export const keyringBackend: TokenStoreBackend = {
  create: keyringStore,
  files: [FILE, ACCESS_CACHE],
  // An explicit keyring never falls back: where it does not answer, the caller gets EKEYRING instead of a file.
  async ensureUsable(ctx, chosenBy) {
    const problem = await keyringProblem(ctx);
    if (problem === null) return;
    throw new AmplifyError(
      'EKEYRING',
      `${chosenBy}, and no OS keyring answered (${problem}); amplify does not fall back to a plain file when the keyring was asked for. Unlock the keyring (or start a Secret Service such as gnome-keyring), or set AMPLIFY_TOKEN_STORE=file.`,
    );
  },
};
