// The library entry: `import { getToken, listAccounts } from 'amplify-auth'` (the built dist/index.js), in-process, with a context override.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loginKey, loginSecret, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { ROOT, sandbox, type Sandbox } from './support/cli.js';

type Library = typeof import('../src/index.js');
// Through a variable, so that type-checking does not need dist/ built; at run time this is the package's own export.
const packageName = 'amplify-auth';

let platform: Platform;
let box: Sandbox;
let lib: Library;
before(async () => {
  platform = await startPlatform({ quiet: true });
  box = await sandbox();
  await loginSecret(box, platform);
  await loginKey(box, platform);
  lib = (await import(packageName)) as Library;
});
after(async () => {
  await box?.cleanup();
  await platform?.close();
});

const context = () => ({ env: { AMPLIFY_HOME: box.configDir, HOME: box.home } });

describe("library entry: import { getToken, listAccounts } from 'amplify-auth'", () => {
  test('the package name resolves to the built dist/index.js', () => {
    assert.equal(fileURLToPath(import.meta.resolve(packageName)), join(ROOT, 'dist', 'index.js'));
    assert.equal(typeof lib.getToken, 'function');
    assert.equal(typeof lib.listAccounts, 'function');
  });

  test("getToken returns the selected (or named) account's token, the same one the CLI prints", async () => {
    const selected = await lib.getToken({ context: context() });
    assert.equal(selected.account, 'sa-secret');
    assert.equal(selected.token, await token(box));
    assert.ok(selected.expiresAt instanceof Date && selected.expiresAt.getTime() > Date.now());
    const named = await lib.getToken({ account: 'sa-rsa', context: context() });
    assert.equal(named.account, 'sa-rsa');
    assert.equal(named.token, await token(box, 'sa-rsa'));
    assert.equal((await platform.introspect(named.token)).active, true);
  });

  test('listAccounts gives the account objects, never a token or secret', async () => {
    const accounts = await lib.listAccounts({ context: context() });
    assert.deepEqual(accounts.map((a) => [a.name, a.default]).sort(), [['sa-rsa', false], ['sa-secret', true]]);
    const text = JSON.stringify(accounts);
    for (const secret of [await token(box), await token(box, 'sa-rsa'), platform.serviceAccounts.secret.clientSecret]) assert.ok(!text.includes(secret));
  });

  test('minValidity beyond what is left refreshes once, and the CLI sees the refreshed token', async () => {
    const before = await token(box);
    const requests = platform.stats().tokenRequests.length;
    const fresh = await lib.getToken({ context: context(), minValidity: 7200 });
    assert.notEqual(fresh.token, before);
    assert.equal(platform.stats().tokenRequests.length, requests + 1);
    assert.equal(await token(box), fresh.token);
  });

  test('failures are AmplifyError with a code', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'amplify-lib-'));
    try {
      await assert.rejects(lib.getToken({ context: { env: { AMPLIFY_HOME: empty } } }), (error: unknown) => {
        assert.ok(error instanceof lib.AmplifyError);
        assert.equal(error.code, 'ENOACCOUNT');
        return true;
      });
      assert.deepEqual(await lib.listAccounts({ context: { env: { AMPLIFY_HOME: empty } } }), []);
      await assert.rejects(lib.getToken({ account: 'nobody', context: context() }), /no account named "nobody"/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
