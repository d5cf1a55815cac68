// Refresh and reliability: one refresh per storm of helpers, invalid_grant → needsLogin, platform down → nothing changes, the threshold.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type RunResult, type Sandbox } from './support/cli.js';
import type { Account } from './support/accounts.js';

const STORM = 30;
const ALICE = 'amplify-cli:alice@example.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gitRequest = (platform: Platform) => `protocol=http\nhost=127.0.0.1:${platform.port}\n\n`;
const passwordOf = (result: RunResult): string | undefined => /^password=(.+)$/m.exec(result.stdout)?.[1];

async function loginService(box: Sandbox, platform: Platform): Promise<void> {
  const sa = platform.serviceAccounts.secret;
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--platform-url', platform.platformUrl, '--client-id', sa.clientId], {
    env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret },
  });
  assert.equal(out.code, 0, out.stderr);
}

async function loginAlice(box: Sandbox, platform: Platform, extra: string[] = []): Promise<void> {
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'alice', ...extra], { env: { AMPLIFY_PASSWORD: 'alice-pw' } });
  assert.equal(out.code, 0, out.stderr);
}

async function bindGit(box: Sandbox, platform: Platform): Promise<void> {
  const out = await box.amplify(['auth', 'setup', 'git', '--host', `127.0.0.1:${platform.port}`]);
  assert.equal(out.code, 0, out.stderr);
}

async function accounts(box: Sandbox): Promise<Account[]> {
  const out = await box.amplify(['auth', 'ls', '--json']);
  assert.equal(out.code, 0, out.stderr);
  return json<Account[]>(out);
}

/** Edits config.json while no amplify process runs (there is no `config set` command). */
async function editConfig(box: Sandbox, edit: (config: { auth: Record<string, unknown> }) => void): Promise<void> {
  const file = join(box.configDir, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as { auth: Record<string, unknown> };
  edit(config);
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Moves the stored access token's expiry (file store), to test the threshold to the second without waiting. */
async function setAccessExpiry(box: Sandbox, name: string, expiresAt: number): Promise<void> {
  const file = join(box.configDir, 'tokens.json');
  const store = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, { accessExpiresAt: number }> };
  store.entries[`account:${name}`]!.accessExpiresAt = expiresAt;
  await writeFile(file, `${JSON.stringify(store, null, 2)}\n`);
}

async function waitUntilExpired(box: Sandbox): Promise<void> {
  const latest = Math.max(...(await accounts(box)).map((a) => Date.parse(a.expires.access!)));
  await sleep(Math.max(0, latest - Date.now() + 300));
}

async function storm(box: Sandbox, platform: Platform): Promise<{ results: RunResult[]; wallMs: number }> {
  const input = gitRequest(platform);
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: STORM }, () => box.run('git-credential-amplify', ['get'], { input })));
  return { results, wallMs: Date.now() - started };
}

async function storedFiles(box: Sandbox): Promise<Record<string, Buffer>> {
  return {
    config: await readFile(join(box.configDir, 'config.json')),
    tokens: await readFile(join(box.configDir, 'tokens.json')),
  };
}

describe('a storm of git helpers on an expired token', () => {
  // Access tokens live 12 s; the helpers refresh at 1 s left (config auth.refreshThreshold), so every
  // token that the storm starts with is expired and the refreshed one outlives the storm (a few seconds on 2 CPUs).
  let platform: Platform;
  let service: Sandbox;
  let person: Sandbox;
  before(async () => {
    platform = await startPlatform({ quiet: true, accessTokenTTL: 12 });
    [service, person] = await Promise.all([sandbox(), sandbox()]);
    await Promise.all([loginService(service, platform), loginAlice(person, platform)]);
    await Promise.all([bindGit(service, platform), bindGit(person, platform)]);
    for (const box of [service, person]) {
      await editConfig(box, (config) => {
        config.auth.refreshThreshold = 1;
      });
    }
    await waitUntilExpired(service);
    await waitUntilExpired(person);
  });
  after(async () => {
    await Promise.all([service?.cleanup(), person?.cleanup()]);
    await platform?.close();
  });

  test(`${STORM} concurrent git-credential-amplify get, service account: one token request, ${STORM} identical active tokens`, async (t) => {
    platform.resetStats();
    const { results, wallMs } = await storm(service, platform);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const tokens = results.map(passwordOf);
    assert.ok(tokens.every(Boolean), 'every helper answered a password');
    assert.equal(new Set(tokens).size, 1, 'every helper answered the same token');
    const requests = platform.stats().tokenRequests;
    assert.deepEqual(requests, [{ grantType: 'client_credentials', clientId: 'sa-secret', status: 200 }], 'exactly one token request');
    assert.equal((await platform.introspect(tokens[0]!)).active, true);
    t.diagnostic(`service-account storm: ${STORM} helpers, ${requests.length} token request(s), wall ${wallMs} ms`);
  });

  test(`${STORM} concurrent git-credential-amplify get, person with refresh rotation: one refresh grant, no invalid_grant, still works after`, async (t) => {
    platform.resetStats();
    const { results, wallMs } = await storm(person, platform);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const tokens = results.map(passwordOf);
    assert.ok(tokens.every(Boolean), 'every helper answered a password');
    assert.equal(new Set(tokens).size, 1, 'every helper answered the same token');
    const requests = platform.stats().tokenRequests;
    assert.deepEqual(requests, [{ grantType: 'refresh_token', clientId: platform.clientId, status: 200 }], 'exactly one refresh grant, and it succeeded');
    assert.equal((await platform.introspect(tokens[0]!)).active, true);
    t.diagnostic(`person storm: ${STORM} helpers, ${requests.length} token request(s), wall ${wallMs} ms`);

    // The rotated refresh token was stored: the next refresh works (reusing the old one would revoke the grant).
    const again = await person.amplify(['auth', 'token', '--min-validity', '100000']);
    assert.equal(again.code, 0, again.stderr);
    assert.notEqual(again.stdout.trim(), tokens[0]);
    assert.equal((await platform.introspect(again.stdout.trim())).active, true);
    assert.deepEqual(
      platform.stats().tokenRequests.map((r) => r.status),
      [200, 200],
    );
    assert.equal((await accounts(person))[0]!.needsLogin, false);
  });
});

describe('a refresh token revoked at the platform', () => {
  let platform: Platform;
  before(async () => {
    platform = await startPlatform({ quiet: true, accessTokenTTL: 8 });
  });
  after(async () => platform?.close());

  test('marks the account needsLogin (kept); git says quit=1 and why; token exits 1 naming amplify auth login', async () => {
    const box = await sandbox();
    try {
      await loginAlice(box, platform);
      await bindGit(box, platform);
      assert.ok((await platform.revokeGrantsFor('alice')) > 0);

      // An 8 s token is inside the default 60 s threshold: the helper refreshes, and is refused.
      const git = await box.run('git-credential-amplify', ['get'], { input: gitRequest(platform) });
      assert.equal(git.code, 0, git.stderr);
      assert.equal(git.stdout, 'quit=1\n', 'git stops instead of prompting');
      assert.match(git.stderr, /amplify-cli:alice@example\.com needs a new login/);
      assert.match(git.stderr, /invalid_grant|refused/);
      assert.match(git.stderr, /amplify auth login/);

      const listed = await accounts(box);
      assert.deepEqual(listed.map((a) => [a.name, a.needsLogin]), [[ALICE, true]], 'kept, and marked');
      const human = await box.amplify(['auth', 'ls']);
      assert.match(human.stdout, /needs login/, 'ls says it needs a login');

      const token = await box.amplify(['auth', 'token']);
      assert.equal(token.code, 1);
      assert.equal(token.stdout, '');
      assert.equal(token.stderr.trim().split('\n').length, 1, token.stderr);
      assert.match(token.stderr, /needs a new login: run `amplify auth login --base-url \S+ --username alice@example\.com --force`/);
      const asJson = await box.amplify(['auth', 'token', '--json']);
      assert.equal(asJson.code, 1);
      assert.equal(json<{ error: { code: string } }>(asJson).error.code, 'ENEEDSLOGIN');

      const requests = platform.stats().tokenRequests.filter((r) => r.grantType === 'refresh_token');
      assert.equal(requests.length, 1, 'one refused refresh, then no more requests for a marked account');

      // A new login clears the mark.
      await loginAlice(box, platform);
      const fresh = await box.amplify(['auth', 'token']);
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal((await platform.introspect(fresh.stdout.trim())).active, true);
      assert.equal((await accounts(box))[0]!.needsLogin, false);
    } finally {
      await box.cleanup();
    }
  });
});

describe('the platform stopped', () => {
  let platform: Platform;
  before(async () => {
    platform = await startPlatform({ quiet: true, accessTokenTTL: 12 });
  });
  after(async () => platform?.close());

  test('a still-valid token is served (with a warning when it cannot be refreshed); an expired one fails clearly and changes nothing', async () => {
    const box = await sandbox();
    try {
      await loginService(box, platform);
      await loginAlice(box, platform);
      await bindGit(box, platform);
      const before = await storedFiles(box);
      const cached = await box.amplify(['auth', 'token', '--min-validity', '0', '--json']);
      assert.equal(cached.code, 0, cached.stderr);
      const cachedToken = json<{ token: string }>(cached).token;
      await platform.stop();
      try {
        const requests = platform.stats().tokenRequests.length;
        const quiet = await box.amplify(['auth', 'token', '--min-validity', '1']);
        assert.equal(quiet.code, 0, quiet.stderr);
        assert.equal(quiet.stdout.trim(), cachedToken);
        assert.equal(quiet.stderr, '', 'a token within its validity needs no issuer and says nothing');

        for (const account of ['sa-secret', ALICE]) {
          const warned = await box.amplify(['auth', 'token', '--account', account, '--min-validity', '600']);
          assert.equal(warned.code, 0, warned.stderr);
          assert.ok(warned.stdout.trim().length > 20);
          assert.match(warned.stderr, new RegExp(`could not refresh ${account.replace(/[.]/g, '\\.')} \\(.*cannot reach .*\\); using the cached token, valid until `));
        }
        const git = await box.run('git-credential-amplify', ['get'], { input: gitRequest(platform) });
        assert.equal(git.code, 0, git.stderr);
        assert.equal(passwordOf(git), cachedToken, 'the helper serves the cached token');
        assert.match(git.stderr, /could not refresh/);
        assert.deepEqual(await storedFiles(box), before, 'nothing stored changed');

        await waitUntilExpired(box);
        for (const account of ['sa-secret', ALICE]) {
          const expired = await box.amplify(['auth', 'token', '--account', account]);
          assert.equal(expired.code, 1);
          assert.equal(expired.stdout, '');
          assert.equal(expired.stderr.trim().split('\n').length, 1, expired.stderr);
          assert.match(expired.stderr, /expired at .* and could not be renewed \(nothing stored changed\): cannot reach http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/Broker .*ECONNREFUSED/);
        }
        const gitExpired = await box.run('git-credential-amplify', ['get'], { input: gitRequest(platform) });
        assert.equal(gitExpired.code, 1);
        assert.equal(gitExpired.stdout, '', 'no credential, and no quit: the account is fine, the network is not');
        assert.match(gitExpired.stderr, /could not be renewed/);
        assert.deepEqual(await storedFiles(box), before, 'nothing stored changed');
        assert.ok((await accounts(box)).every((a) => !a.needsLogin));
        assert.equal(platform.stats().tokenRequests.length, requests);
      } finally {
        await platform.resume();
      }
      // The refresh token was left alone, so the person's refresh works once the platform is back.
      for (const account of ['sa-secret', ALICE]) {
        const back = await box.amplify(['auth', 'token', '--account', account]);
        assert.equal(back.code, 0, back.stderr);
        assert.equal((await platform.introspect(back.stdout.trim())).active, true);
      }
      assert.ok(platform.stats().tokenRequests.every((r) => r.status === 200));
    } finally {
      await box.cleanup();
    }
  });
});

describe('the refresh threshold', () => {
  let platform: Platform;
  let box: Sandbox;
  const requests = () => platform.stats().tokenRequests.length;
  const token = async (...args: string[]) => {
    const out = await box.amplify(['auth', 'token', ...args]);
    assert.equal(out.code, 0, out.stderr);
    return out.stdout.trim();
  };
  before(async () => {
    platform = await startPlatform({ quiet: true });
    box = await sandbox();
    await loginService(box, platform);
  });
  after(async () => {
    await box?.cleanup();
    await platform?.close();
  });

  test('default 60 s: 70 s left is used, 50 s left is refreshed', async () => {
    const first = await token();
    await setAccessExpiry(box, 'sa-secret', Date.now() + 70_000);
    let count = requests();
    assert.equal(await token(), first);
    assert.equal(requests(), count, 'no request with 70 s left');
    await setAccessExpiry(box, 'sa-secret', Date.now() + 50_000);
    const second = await token();
    assert.notEqual(second, first);
    assert.equal(requests(), count + 1, 'one request with 50 s left');
    count = requests();
    assert.equal(await token(), second, 'the new token (an hour) is used as is');
    assert.equal(requests(), count);
  });

  test('--min-validity overrides it', async () => {
    await setAccessExpiry(box, 'sa-secret', Date.now() + 70_000);
    const count = requests();
    const kept = await token('--min-validity', '65');
    assert.equal(requests(), count);
    const renewed = await token('--min-validity', '75');
    assert.notEqual(renewed, kept);
    assert.equal(requests(), count + 1);
  });

  test('config auth.refreshThreshold sets it for every command and helper', async () => {
    await editConfig(box, (config) => {
      config.auth.refreshThreshold = 120;
    });
    await setAccessExpiry(box, 'sa-secret', Date.now() + 100_000);
    const count = requests();
    const renewed = await token();
    assert.equal(requests(), count + 1, '100 s left is inside a 120 s threshold');
    await editConfig(box, (config) => {
      config.auth.refreshThreshold = 10;
    });
    await setAccessExpiry(box, 'sa-secret', Date.now() + 30_000);
    assert.equal(await token(), renewed);
    assert.equal(requests(), count + 1, '30 s left is outside a 10 s threshold');
    assert.equal(await token('--min-validity', '40') === renewed, false, '--min-validity beats the config');

    await editConfig(box, (config) => {
      config.auth.refreshThreshold = 'soon';
    });
    const before = await readFile(join(box.configDir, 'config.json'));
    const bad = await box.amplify(['auth', 'token']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /config\.json is not a valid amplify config \("auth\.refreshThreshold" is "soon", not a number of seconds/);
    assert.deepEqual(await readFile(join(box.configDir, 'config.json')), before);
    await editConfig(box, (config) => {
      delete config.auth.refreshThreshold;
    });
  });
});
