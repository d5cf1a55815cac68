// A hung issuer (issue 12): the token endpoint behind a gateway that accepts and never answers. Every wait here is a
// deadline of the code under test, so the tests run at once, each in a sandbox of its own, against a platform of this
// file's own (reliability-faults.test.ts counts its platform's token requests, which these logins would add to).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPlatform, type Platform } from './platform/index.js';
import { sandbox, type RunResult, type Sandbox } from './support/cli.js';
import { bindGit, gateway, gitGet, loginService, oneLine, setAccessExpiry, throughGateway, type Gateway } from './support/faults.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => platform?.close());

/** A service account bound to the git host, its access token expired, its token endpoint a gateway that never answers. */
async function withHungIssuer<T>(run: (box: Sandbox, gw: Gateway) => Promise<T>): Promise<T> {
  const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
  const gw = await gateway(platform.origin);
  try {
    const name = await loginService(platform, box);
    await bindGit(platform, box);
    await throughGateway(platform, box, gw);
    await setAccessExpiry(box, name, Date.now() - 1_000);
    gw.mode = 'hang';
    return await run(box, gw);
  } finally {
    await gw.close();
    await box.cleanup();
  }
}

async function timed(run: () => Promise<RunResult>): Promise<{ result: RunResult; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

describe('a hung issuer', { concurrency: true }, () => {
  test('five concurrent gets share one refresh and its failure, within about one deadline', () =>
    withHungIssuer(async (box, gw) => {
      const started = Date.now();
      const gets = await Promise.all(Array.from({ length: 5 }, () => gitGet(platform, box)));
      const took = Date.now() - started;
      assert.equal(gw.requests.filter((r) => r.includes('token')).length, 1, `one token request: ${gw.requests.join(', ')}`);
      assert.ok(took < 20_000, `all done within about one deadline (10 s): ${took} ms`);
      for (const get of gets) {
        assert.notEqual(get.code, 0);
        // The holder's failure, shared; or, for a waiter that started a little before the holder, its own deadline.
        assert.match(get.stderr, /timed out after 10 s|gave up after 11 s/, get.stderr);
        assert.doesNotMatch(get.stderr, /remove that directory/);
        oneLine(get, 'get');
      }
    }));

  // Each deadline is timed in a sandbox of its own, so that the three run at once and none waits on another's refresh
  // lock. The 30 s one as a process: in-process runs take turns (test/support/cli.ts runCli), and the 3 s one, in-process
  // as before, must not wait behind it.
  test('deadlines: a helper get within 12 s, auth token within 32 s, AMPLIFY_HTTP_TIMEOUT=3 within 5 s', async () => {
    const [get, token, alone] = await Promise.all([
      withHungIssuer((box) => timed(() => gitGet(platform, box))),
      withHungIssuer((box) => timed(() => box.amplify(['auth', 'token'], { spawn: true }))),
      withHungIssuer((box) => timed(() => box.amplify(['auth', 'token'], { env: { AMPLIFY_HTTP_TIMEOUT: '3' } }))),
    ]);
    assert.ok(get.ms < 12_000, `helper get: ${get.ms} ms`);
    assert.match(get.result.stderr, /timed out after 10 s waiting for 127\.0\.0\.1/, get.result.stderr);
    oneLine(get.result, 'get');
    assert.ok(token.ms < 32_000, `auth token: ${token.ms} ms`);
    assert.notEqual(token.result.code, 0);
    assert.match(token.result.stderr, /timed out after 30 s/, token.result.stderr);
    assert.ok(alone.ms < 5_000, `AMPLIFY_HTTP_TIMEOUT=3: ${alone.ms} ms`);
    assert.match(alone.result.stderr, /timed out after 3 s waiting for 127\.0\.0\.1/, alone.result.stderr);
    oneLine(alone.result, 'auth token');
  });
});
