// `npm run demo` (test/platform/demo.ts) passes end to end, prints each step, and never prints a token or secret.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runDemo } from './platform/demo.js';
import { AMPLIFY_BIN, ROOT, runProcess } from './support/cli.js';

/** Long base64url runs that are not hex digests: what an opaque token, a JWT part or a generated secret looks like. */
const secretLike = (text: string) => (text.match(/[A-Za-z0-9_-]{32,}/g) ?? []).filter((run) => !/^[0-9a-f]+$/.test(run));

describe('npm run demo', () => {
  test('the demo script exits 0, narrates every step, and its output holds no token', async () => {
    const home = await mkdtemp(join(tmpdir(), 'amplify-demo-test-'));
    try {
      const out = await runProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'platform', 'demo.ts'), '--home', home], { cwd: ROOT, timeoutMs: 180_000, env: process.env });
      assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
      assert.equal(out.stderr, '');
      for (const expected of [
        /\[1\] Start the local platform/,
        /\$ AMPLIFY_CLIENT_SECRET=\*\*\* amplify auth login --base-url http:\/\/127\.0\.0\.1:\d+ --client-id sa-secret\n\s+Logged in as Service account sa-secret/,
        /\$ amplify auth ls\n.*\n\s+\*\s+sa-secret/,
        /\$ amplify auth setup git --host 127\.0\.0\.1:\d+\n\s+Bound git/,
        /\$ amplify auth setup docker --registry 127\.0\.0\.1:\d+\n\s+Bound docker/,
        /the git server accepted: sa-secret\n/,
        /the registry accepted: sa-secret\n/,
        /Demo finished/,
      ]) {
        assert.match(out.stdout, expected);
      }
      // The account's token is still cached in the kept HOME (no platform needed to read it back).
      const token = await runProcess(process.execPath, [AMPLIFY_BIN, 'auth', 'token'], {
        env: { PATH: process.env.PATH, HOME: home, AMPLIFY_HOME: join(home, '.config', 'amplify'), AMPLIFY_TOKEN_STORE: 'file' },
      });
      assert.equal(token.code, 0, token.stderr);
      assert.ok(token.stdout.trim().length > 20);
      assert.ok(!out.stdout.includes(token.stdout.trim()), 'the token is not in the demo output');
      assert.deepEqual(secretLike(out.stdout), [], 'nothing token-like in the demo output');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('without skopeo the demo asks the docker helper directly, and the registry accepts what it got', async () => {
    const lines: string[] = [];
    await runDemo({ write: (line) => lines.push(line), skopeo: false });
    const text = lines.join('\n');
    assert.match(text, /\$ echo 127\.0\.0\.1:\d+ \| docker-credential-amplify get\n\s+ServerURL 127\.0\.0\.1:\d+, Username oauth2, Secret \(\d+ characters, not shown\)/);
    assert.match(text, /GET \/v2\/demo\/manifests\/latest with it: HTTP 200, digest sha256:[0-9a-f]{64}/);
    assert.match(text, /the registry accepted: sa-secret/);
    assert.deepEqual(secretLike(text), []);
  });
});
