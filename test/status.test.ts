// amplify auth status against the local platform: healthy accounts, a refresh token revoked at the platform, JSON, no token shown.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issuerFlags, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

interface Status {
  name: string;
  default: boolean;
  ok: boolean;
  problems: string[];
  expires: { access: string | null; refresh: string | null };
}

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

describe('amplify auth status', () => {
  let box: Sandbox;
  let alice: string;
  before(async () => {
    box = await sandbox();
    alice = json<{ name: string }>(await mustRun(box, ['auth', 'login', ...issuerFlags(platform), '--username', 'alice', '--json'], { AMPLIFY_PASSWORD: 'alice-pw' })).name;
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('two healthy accounts: exit 0, one block each, the JSON shape of the SPEC, no token anywhere', async () => {
    const tokens = [await token(box, alice), await token(box, platform.serviceAccounts.secret.clientId)];
    const human = await box.amplify(['auth', 'status']);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, new RegExp(`^${alice} \\(default\\)$`, 'm'));
    assert.match(human.stdout, /^sa-secret$/m);
    assert.match(human.stdout, /access token accepted \(userinfo\)/, 'a person on a public client: userinfo');
    assert.match(human.stdout, /access token accepted \(introspection\)/, 'a service account: introspection with its own credential');
    const out = await box.amplify(['auth', 'status', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const results = json<Status[]>(out);
    assert.deepEqual(results.map((r) => Object.keys(r).sort()), results.map(() => ['default', 'expires', 'name', 'ok', 'problems']));
    assert.deepEqual(results.map((r) => [r.name, r.default, r.ok, r.problems]), [
      [alice, true, true, []],
      ['sa-secret', false, true, []],
    ]);
    for (const r of results) assert.ok(r.expires.access && Date.parse(r.expires.access) > Date.now());
    const everything = human.stdout + human.stderr + out.stdout + out.stderr;
    for (const t of tokens) assert.ok(!everything.includes(t), 'no token in the output');
    assert.ok(!everything.includes(platform.serviceAccounts.secret.clientSecret));
  });

  test('a refresh token revoked at the platform: exit 1, the problem names the login command; the other account stays ok', async () => {
    await platform.revokeGrantsFor('alice');
    const out = await box.amplify(['auth', 'status', '--json']);
    assert.equal(out.code, 1, out.stderr);
    const [a, sa] = json<Status[]>(out);
    assert.equal(a!.ok, false);
    assert.equal(a!.problems.length, 1, a!.problems.join('\n'));
    assert.match(a!.problems[0]!, /needs a new login.*run `amplify auth login --base-url \S+ --username alice@example\.com --force`/);
    assert.equal(sa!.ok, true);
    const human = await box.amplify(['auth', 'status', alice]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /✗ needs a new login.*amplify auth login/);
    assert.doesNotMatch(human.stdout, /sa-secret/, 'only the named account');
  });

  test('an unknown account is an error listing the valid ones', async () => {
    const out = await box.amplify(['auth', 'status', 'nobody']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /no account named "nobody"; accounts: .*sa-secret/);
  });
});
