// Every store of the stores table (src/store/tokens/table.ts) is answered by the fast tier from what it holds: a store
// the fast tier could not read (a lazily imported backend is a stand-in there) would send every cached call with it
// to the full build. Needs the build (dist/).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { putBinding } from '../src/accounts/bindings.js';
import type { AccountRecord } from '../src/store/config.js';
import { mutateState } from '../src/store/state.js';
import { accountKey, TOKEN_STORES, TOKEN_STORE_NAMES, type TokenStoreKind } from '../src/store/tokens.js';
import { GIT_HELPER, helper } from './helpers-support.js';
import { HELPERS, sandbox, type RunResult, type Sandbox } from './support/cli.js';
import { processKeyring, silentLog as silent } from './support/keyring.js';

const HOST = 'https://git.stores.example';

function record(name: string, store: TokenStoreKind, accessExpiresAt: number): AccountRecord {
  return {
    name,
    method: 'client-secret',
    issuer: 'https://issuer.stores.example',
    env: null,
    amplify: false,
    redirectUri: null,
    clientAuth: null,
    clientId: 'stores-test',
    platformUrl: null,
    scope: 'openid',
    user: { email: null, name: null, sub: null },
    org: null,
    orgs: [],
    expires: { access: new Date(accessExpiresAt).toISOString(), refresh: null },
    needsLogin: false,
    tokenStore: store,
  };
}

/** A sandbox whose one account has a fresh access token, written by the store's own write path. */
async function seeded(store: TokenStoreKind): Promise<{ box: Sandbox; token: string }> {
  const box = await sandbox({ AMPLIFY_TOKEN_STORE: store });
  const token = `cached-token-of-the-${store}-store-${'x'.repeat(24)}`;
  const now = Date.now();
  // The seeding process's own keyring: a cached call must not need one (the keyring store's access cache).
  const keyring = processKeyring();
  await mutateState({ configDir: box.configDir, env: box.env, log: silent, keyring: async () => keyring }, (state) => {
    state.config.accounts.cached = record('cached', store, now + 3_600_000);
    state.config.auth.defaultAccount = 'cached';
    putBinding(state.config, { tool: 'git', host: HOST, account: 'cached', username: null });
    state.secrets[accountKey('cached')] = { kind: 'account', accessToken: token, accessExpiresAt: now + 3_600_000, receivedAt: now };
  });
  return { box, token };
}

const handedOver = (result: RunResult): boolean => /needed: the full build answers/.test(result.stderr);

describe('the fast tier answers a cached call from every store in the table', () => {
  const boxes: Sandbox[] = [];
  const seeds = new Map<TokenStoreKind, { box: Sandbox; token: string }>();
  before(async () => {
    for (const name of TOKEN_STORE_NAMES) {
      const seed = await seeded(name);
      boxes.push(seed.box);
      seeds.set(name, seed);
    }
  });
  after(async () => {
    for (const box of boxes) await box.cleanup();
  });

  for (const name of TOKEN_STORE_NAMES) {
    test(`${name}: auth token and git get, as the full CLI answers; from a durable store without handing over`, async () => {
      const { box, token } = seeds.get(name)!;
      const amplify = (env: Record<string, string> = {}) => box.run(process.execPath, [join(HELPERS, 'amplify'), 'auth', 'token'], { env });
      // What the ES module CLI says, byte for byte.
      const [fast, full] = [await amplify(), await box.amplify(['auth', 'token'])];
      assert.deepEqual({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }, { code: full.code, stdout: full.stdout, stderr: full.stderr });
      // A store that does not outlive its process (memory) has nothing cached for a new one: the CLI says so.
      if (!TOKEN_STORES[name].create({ configDir: box.configDir, keyring: async () => processKeyring(), log: silent }).durable) return;
      assert.equal(fast.stdout, `${token}\n`);
      const traced = await amplify({ AMPLIFY_DEBUG: '1' });
      assert.ok(!handedOver(traced), `the ${name} store sent a cached auth token to the full build: ${traced.stderr}`);
      const git = await helper(box, GIT_HELPER, 'get', `protocol=https\nhost=${new URL(HOST).host}\n\n`, { AMPLIFY_DEBUG: '1' });
      assert.ok(!handedOver(git), `the ${name} store sent a cached git get to the full tier: ${git.stderr}`);
      assert.equal(git.code, 0, git.stderr);
      assert.match(git.stdout, new RegExp(`^password=${token}$`, 'm'));
    });
  }
});
