// Races around a refresh: a re-login or a logout that lands while a refresh is in flight.
// The refresh runs in-process through the library (its fetch injected, to act at the right moment); the rival is the real bin.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getToken } from '../src/index.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

const ALICE = 'amplify-cli:alice@example.com';

interface StoredTokens {
  accessToken?: string;
  refreshToken?: string;
}

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => platform?.close());

async function loginAlice(box: Sandbox, extra: string[] = []): Promise<void> {
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'alice', ...extra], { env: { AMPLIFY_PASSWORD: 'alice-pw' } });
  assert.equal(out.code, 0, out.stderr);
}

async function stored(box: Sandbox, name = ALICE): Promise<StoredTokens | undefined> {
  const file = JSON.parse(await readFile(join(box.configDir, 'tokens.json'), 'utf8')) as { entries: Record<string, StoredTokens> };
  return file.entries[`account:${name}`];
}

/**
 * A fetch that runs `rival` once, right after the first token-endpoint answer arrived and before the
 * caller sees it: the rival's changes land while the refresh is in flight.
 */
function fetchWithRival(rival: () => Promise<void>) {
  const answers: Array<Record<string, unknown>> = [];
  const revocations: string[] = [];
  let fired = false;
  const hooked: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const response = await fetch(input, init);
    if (url === platform.endpoints.revocation) revocations.push(String(new URLSearchParams(String(init?.body ?? '')).get('token_type_hint')));
    if (url === platform.endpoints.token) {
      answers.push((await response.clone().json()) as Record<string, unknown>);
      if (!fired) {
        fired = true;
        await rival();
      }
    }
    return response;
  };
  return { fetch: hooked, answers, revocations };
}

describe('a refresh in flight', () => {
  test('a re-login with --force meanwhile: the newer tokens stay, the late result is not stored', async () => {
    const box = await sandbox();
    try {
      await loginAlice(box);
      const old = (await stored(box))!;
      let relogin: StoredTokens | undefined;
      const hook = fetchWithRival(async () => {
        await loginAlice(box, ['--force']);
        relogin = await stored(box);
      });
      const result = await getToken({ account: ALICE, minValidity: 100_000, context: { env: box.env, fetch: hook.fetch } });

      assert.equal(hook.answers.length, 1, 'one refresh');
      assert.ok(hook.answers[0]!.access_token, 'the refresh itself succeeded');
      assert.ok(relogin && relogin.refreshToken !== old.refreshToken);
      assert.deepEqual(await stored(box), relogin, 'the re-login tokens are untouched');
      assert.equal(result.token, relogin!.accessToken, 'the caller gets the newer token');
      assert.notEqual(result.token, hook.answers[0]!.access_token);

      // The account works on: the stored (re-login) refresh token refreshes, nothing was reused.
      platform.resetStats();
      const next = await box.amplify(['auth', 'token', '--min-validity', '100000']);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(platform.stats().tokenRequests.map((r) => [r.grantType, r.status]), [['refresh_token', 200]]);
      assert.equal(json<Array<{ needsLogin: boolean }>>(await box.amplify(['auth', 'ls', '--json']))[0]!.needsLogin, false);
    } finally {
      await box.cleanup();
    }
  });

  test('invalid_grant for the old grant after a re-login: the new login is not marked needsLogin', async () => {
    const box = await sandbox();
    try {
      await loginAlice(box);
      await platform.revokeGrantsFor('alice');
      let relogin: StoredTokens | undefined;
      const hook = fetchWithRival(async () => {
        await loginAlice(box, ['--force']);
        relogin = await stored(box);
      });
      platform.resetStats();
      const result = await getToken({ account: ALICE, minValidity: 100_000, context: { env: box.env, fetch: hook.fetch } });

      assert.equal(hook.answers[0]!.error, 'invalid_grant', 'the old grant was refused');
      assert.equal(result.token, relogin!.accessToken);
      assert.equal((await platform.introspect(result.token)).active, true);
      assert.deepEqual(await stored(box), relogin);
      const listed = json<Array<{ needsLogin: boolean }>>(await box.amplify(['auth', 'ls', '--json']));
      assert.equal(listed[0]!.needsLogin, false);
      const next = await box.amplify(['auth', 'token', '--min-validity', '100000']);
      assert.equal(next.code, 0, next.stderr);
    } finally {
      await box.cleanup();
    }
  });

  test('a logout meanwhile waits for the refresh, then revokes what it got and removes the account', async () => {
    const box = await sandbox();
    try {
      await loginAlice(box);
      let logout: Promise<Awaited<ReturnType<Sandbox['amplify']>>> | undefined;
      // The logout starts while the refresh holds the account's lock; it must queue behind it.
      const hook = fetchWithRival(async () => {
        logout = box.amplify(['auth', 'logout', ALICE, '--json']);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      const result = await getToken({ account: ALICE, minValidity: 100_000, context: { env: box.env, fetch: hook.fetch } });
      assert.ok(hook.answers[0]!.access_token, 'the refresh itself succeeded');
      assert.equal(result.token, hook.answers[0]!.access_token, 'the refresh finished first and was stored');
      const out = await logout!;
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(json(out), [{ name: ALICE, revoked: true }]);
      assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'])), []);
      assert.equal(await stored(box), undefined, 'no tokens left for a logged-out account');
      assert.equal((await platform.introspect(result.token)).active, false, 'the refreshed token was revoked by the logout');
    } finally {
      await box.cleanup();
    }
  });
});

describe('logout and refresh in two processes at once', () => {
  test('five rounds: the logout always wins, nothing comes back, nothing is left half-done', async () => {
    const box = await sandbox();
    try {
      for (let round = 0; round < 5; round += 1) {
        await loginAlice(box, ['--force']);
        const [refresh, logout] = await Promise.all([
          box.amplify(['auth', 'token', '--min-validity', '100000']),
          new Promise((resolve) => setTimeout(resolve, round * 60)).then(() => box.amplify(['auth', 'logout', ALICE])),
        ]);
        assert.equal(logout.code, 0, logout.stderr);
        if (refresh.code !== 0) assert.match(refresh.stderr, /no account|logged out|needs a new login/, refresh.stderr);
        assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'])), [], `round ${round}: logged out`);
        assert.equal(await stored(box), undefined, `round ${round}: no tokens left`);
      }
    } finally {
      await box.cleanup();
    }
  });
});

describe('the token endpoint failing with a 5xx', () => {
  test('a valid token is served with a warning; an expired one fails clearly; nothing stored changes', async () => {
    const box = await sandbox();
    try {
      await loginAlice(box);
      const failing: typeof fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url === platform.endpoints.token) return new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
        return fetch(input, init);
      };
      let warnings = '';
      const stderr = new Writable({
        write(chunk, _encoding, done) {
          warnings += String(chunk);
          done();
        },
      });
      const files = async () => [await readFile(join(box.configDir, 'config.json')), await readFile(join(box.configDir, 'tokens.json'))];
      const cached = (await stored(box))!;
      const before = await files();

      const served = await getToken({ account: ALICE, minValidity: 100_000, context: { env: box.env, fetch: failing, stderr } });
      assert.equal(served.token, cached.accessToken);
      assert.match(warnings, /could not refresh amplify-cli:alice@example\.com \(.*502.*\); using the cached token, valid until /);
      assert.deepEqual(await files(), before, 'nothing stored changed');

      // Expired: an error that says what happened, and still nothing changes.
      const tokensFile = join(box.configDir, 'tokens.json');
      const data = JSON.parse(await readFile(tokensFile, 'utf8')) as { entries: Record<string, { accessExpiresAt: number }> };
      data.entries[`account:${ALICE}`]!.accessExpiresAt = Date.now() - 1_000;
      await writeFile(tokensFile, JSON.stringify(data));
      const expired = await files();
      await assert.rejects(getToken({ account: ALICE, context: { env: box.env, fetch: failing, stderr } }), (error: Error) => {
        assert.match(error.message, /^the access token of amplify-cli:alice@example\.com expired at .* and could not be renewed \(nothing stored changed\): .*502/);
        return true;
      });
      assert.deepEqual(await files(), expired, 'nothing stored changed');
      assert.equal(json<Array<{ needsLogin: boolean }>>(await box.amplify(['auth', 'ls', '--json']))[0]!.needsLogin, false, 'a 5xx is not a refusal');

      // Once the issuer answers again, the untouched refresh token works.
      const back = await box.amplify(['auth', 'token']);
      assert.equal(back.code, 0, back.stderr);
    } finally {
      await box.cleanup();
    }
  });
});
