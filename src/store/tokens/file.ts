// The `file` store: tokens.json, mode 0600, in plain JSON.
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { AmplifyError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readJsonFile, writePrivateFile } from '../files.js';
import type { TokenStore, TokenStoreBackend } from './backend.js';
import type { Envelope } from './entries.js';
import { maskSecrets } from './mask.js';
import { tightenMode } from './tighten.js';

const FILE = 'tokens.json';

export const tokensFile = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, FILE);

export function fileStore(file: string, log?: Pick<Logger, 'warn'>): TokenStore {
  return {
    kind: 'file',
    location: file,
    durable: true,
    async read() {
      await tightenMode(file, log);
      const data = await readJsonFile<Envelope>(file);
      if (data !== undefined && (typeof data !== 'object' || data === null || typeof data.entries !== 'object' || data.entries === null)) {
        throw new AmplifyError('ESTORE', `${file} does not have the shape amplify expects; amplify left it unchanged: repair it, or move it away and log in again.`);
      }
      return maskSecrets(data?.entries ?? {});
    },
    sealText: async (text) => text,
    openText: async (text) => text,
    async write(entries, beforeRename) {
      await writePrivateFile(file, `${JSON.stringify({ version: 1, entries } satisfies Envelope & { version: 1 }, null, 2)}\n`, beforeRename);
    },
  };
}

export const fileBackend: TokenStoreBackend = {
  create: (ctx) => fileStore(tokensFile(ctx), ctx.log),
  files: [FILE],
};
