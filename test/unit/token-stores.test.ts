// The stores table (src/store/tokens/table.ts): every row is a whole store, and every list of stores comes from it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KeyringBackend } from '../../src/context.js';
import { isAmplifyError } from '../../src/errors.js';
import { forgetSecrets, mask } from '../../src/log.js';
import { mutateState } from '../../src/store/state.js';
import { accountKey, chooseTokenStore, parseStoreKind, TOKEN_STORE_FILES, TOKEN_STORE_NAMES, TOKEN_STORES, type SecretMap } from '../../src/store/tokens.js';
import { ROOT } from '../support/cli.js';
import { processKeyring, silentLog as silent } from '../support/keyring.js';

async function scratch<T>(fn: (ctx: { configDir: string; env: Record<string, string>; log: typeof silent; keyring: () => Promise<KeyringBackend> }) => Promise<T>): Promise<T> {
  const configDir = await mkdtemp(join(tmpdir(), 'amplify-stores-'));
  const keyring = processKeyring();
  try {
    return await fn({ configDir, env: {}, log: silent, keyring: async () => keyring });
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

const rows = Object.entries(TOKEN_STORES);

describe('the stores table: each row is a whole store', () => {
  it('lists the stores the SPEC and README name, in their order', async () => {
    assert.deepEqual(TOKEN_STORE_NAMES, ['keyring', 'file', 'memory']);
    // README, "Where state lives": the token store bullet names each store as `name` (what it is).
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const bullet = /^- the token store, chosen by [\s\S]*?(?=^- )/m.exec(readme)?.[0] ?? '';
    assert.deepEqual([...bullet.matchAll(/`([a-z0-9-]+)` \(/g)].map((m) => m[1]), TOKEN_STORE_NAMES);
  });

  it('every row makes a store of its own name with every operation of TokenStore', async () => {
    await scratch(async (ctx) => {
      for (const [name, backend] of rows) {
        const store = backend.create(ctx);
        assert.equal(store.kind, name);
        for (const op of ['read', 'write', 'sealText', 'openText'] as const) assert.equal(typeof store[op], 'function', `${name}.${op}`);
        assert.ok(store.readAccess === undefined || typeof store.readAccess === 'function', `${name}.readAccess`);
        assert.equal(typeof store.durable, 'boolean', `${name}.durable`);
        // Its location, where it has one, is the first file it owns, in the config dir.
        if (store.location !== null) assert.equal(store.location, join(ctx.configDir, backend.files[0] ?? '(no file)'), `${name}.location`);
      }
    });
  });

  it('no two stores own the same file, and none owns config.json', () => {
    assert.equal(new Set(TOKEN_STORE_FILES).size, TOKEN_STORE_FILES.length);
    assert.ok(!TOKEN_STORE_FILES.includes('config.json'));
  });

  it('every store keeps what it is given, and masks every secret it reads', async () => {
    await scratch(async (ctx) => {
      for (const [name, backend] of rows) {
        forgetSecrets();
        const entries: SecretMap = {
          [accountKey('a')]: { kind: 'account', accessToken: `access-of-${name}-store`, accessExpiresAt: 1, refreshToken: `refresh-of-${name}-store`, clientSecret: `secret-of-${name}-store` },
          'docker:https://r.example': { kind: 'docker', serverURL: 'https://r.example', username: 'u', secret: `docker-of-${name}-store` },
        };
        await backend.create(ctx).write(structuredClone(entries));
        const read = await backend.create(ctx).read();
        assert.deepEqual(read, entries, name);
        for (const secret of [`access-of-${name}-store`, `refresh-of-${name}-store`, `secret-of-${name}-store`, `docker-of-${name}-store`]) {
          assert.ok(!mask(`x ${secret} y`).includes(secret), `${name} masks what it read`);
        }
        const store = backend.create(ctx);
        assert.equal(await store.openText(await store.sealText('journal text'), 'journal'), 'journal text', `${name}: sealText/openText`);
      }
    });
  });
});

describe('every list of stores is the table', () => {
  it('AMPLIFY_TOKEN_STORE takes exactly the table\'s names; its refusal lists them (the same bytes as ever)', () => {
    for (const name of TOKEN_STORE_NAMES) assert.equal(parseStoreKind(name, 'AMPLIFY_TOKEN_STORE'), name);
    assert.equal(parseStoreKind('', 'AMPLIFY_TOKEN_STORE'), undefined);
    for (const bad of ['Keyring', 'files', 'toString', '__proto__', 'keyring ']) {
      assert.throws(
        () => parseStoreKind(bad, 'AMPLIFY_TOKEN_STORE'),
        (error: unknown) => isAmplifyError(error, 'ECONFIG') && error.message === `AMPLIFY_TOKEN_STORE is "${bad}"; use keyring, file or memory.`,
      );
    }
  });

  it('each name, from AMPLIFY_TOKEN_STORE or auth.tokenStore, chooses that row; a name not in it is the default', async () => {
    await scratch(async (ctx) => {
      for (const name of TOKEN_STORE_NAMES) {
        assert.equal((await chooseTokenStore({ ...ctx, env: { AMPLIFY_TOKEN_STORE: name } }, undefined, true)).store.kind, name);
        assert.equal((await chooseTokenStore(ctx, name, true)).store.kind, name);
      }
      assert.equal((await chooseTokenStore(ctx, 'bogus' as never, false)).store.kind, 'file');
    });
  });

  it('by default, whichever store\'s file already holds tokens is used', async () => {
    for (const [name, backend] of rows) {
      await scratch(async (ctx) => {
        const store = backend.create(ctx);
        if (store.location === null) return;
        await store.write({});
        assert.equal((await chooseTokenStore(ctx, undefined, false)).store.kind, name);
      });
    }
  });

  it('the state lock guards every file a store owns: a killed writer\'s temp file beside any of them is removed', async () => {
    await scratch(async (ctx) => {
      const leftovers = ['config.json', ...TOKEN_STORE_FILES].map((file) => `${file}.12345`);
      for (const file of leftovers) await writeFile(join(ctx.configDir, file), 'x');
      await mutateState({ ...ctx, env: { AMPLIFY_TOKEN_STORE: 'file' } }, (state) => void (state.config.auth.defaultAccount = null));
      const left = (await readdir(ctx.configDir)).filter((file) => leftovers.includes(file));
      assert.deepEqual(left, []);
    });
  });
});
