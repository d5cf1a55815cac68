// Core: service-account logins, ls/whoami/switch/token/logout, files and errors, through the real `amplify` bin.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issuerFlags } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type RunOptions, type Sandbox } from './support/cli.js';
import type { Account } from './support/accounts.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const tokenRequests = (clientId: string) => platform.stats().tokenRequests.filter((r) => r.clientId === clientId).length;

async function loginSecret(box: Sandbox, clientId: string, secret: string, extra: string[] = [], options: RunOptions = {}) {
  return box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', clientId, ...extra], { ...options, env: { AMPLIFY_CLIENT_SECRET: secret } });
}

describe('service-account logins', () => {
  let box: Sandbox;
  const tokens: string[] = [];
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('client secret, RSA and EC signed JWT each log in; ls shows one default and no secret', async () => {
    const { secret, rsa, ec } = platform.serviceAccounts;
    const a = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', secret.clientId, '--client-secret', secret.clientSecret, '--json']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(json<Account>(a).name, secret.clientId);
    assert.equal(json<Account>(a).method, 'client-secret');
    assert.match(a.stderr, /tokens are stored in .*tokens\.json/, 'the keyring fallback is announced at login');
    const b = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', rsa.clientId, '--secret-file', rsa.keyFile]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /amplify auth switch --account sa-rsa/, 'a later login prints the switch line');
    const c = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', ec.clientId, '--secret-file', ec.keyFile, '--json']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(json<Account>(c).method, 'signed-jwt');

    const ls = await box.amplify(['auth', 'ls', '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const accounts = json<Account[]>(ls);
    assert.deepEqual(accounts.map((x) => x.name).sort(), [ec.clientId, rsa.clientId, secret.clientId].sort());
    assert.deepEqual(accounts.filter((x) => x.default).map((x) => x.name), [secret.clientId], 'the first account is the default');
    for (const account of accounts) {
      assert.equal(account.needsLogin, false);
      assert.ok(account.org, `${account.name} has its org from findSession`);
      assert.equal(account.tokenStore, 'file');
      assert.ok(account.expires.access && Date.parse(account.expires.access) > Date.now());
    }
    for (const name of [secret.clientId, rsa.clientId, ec.clientId]) {
      const t = await box.amplify(['auth', 'token', '--account', name]);
      assert.equal(t.code, 0, t.stderr);
      tokens.push(t.stdout.trim());
    }
    const rsaPem = await readFile(rsa.keyFile, 'utf8');
    const pemBody = rsaPem.split('\n')[1]!;
    const human = await box.amplify(['auth', 'ls']);
    const everything = [ls.stdout, ls.stderr, human.stdout, human.stderr, a.stdout, a.stderr, b.stdout, b.stderr, c.stdout, c.stderr].join('\n');
    for (const t of tokens) assert.ok(!everything.includes(t), 'no access token in ls/login output');
    assert.ok(!everything.includes(secret.clientSecret), 'no client secret in output');
    assert.ok(!everything.includes(pemBody), 'no key material in output');
    assert.match(human.stdout, /^\*\s+sa-secret/m);
  });

  test('token prints a token the platform calls active', async () => {
    const t = await box.amplify(['auth', 'token', '--json']);
    assert.equal(t.code, 0, t.stderr);
    const body = json<{ account: string; token: string; expiresAt: string }>(t);
    assert.equal(body.account, platform.serviceAccounts.secret.clientId);
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    const info = await platform.introspect(body.token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, platform.serviceAccounts.secret.clientId);
  });

  test('already logged in makes no token request; --force makes one', async () => {
    const { secret } = platform.serviceAccounts;
    const before = tokenRequests(secret.clientId);
    const again = await loginSecret(box, secret.clientId, secret.clientSecret);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Already logged in as sa-secret/);
    assert.equal(tokenRequests(secret.clientId), before, 'no token request without --force');
    const forced = await loginSecret(box, secret.clientId, secret.clientSecret, ['--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(tokenRequests(secret.clientId), before + 1, 'exactly one token request with --force');
  });

  test('files are 0600 in a 0700 directory, and config.json holds no secret', async () => {
    assert.equal((await stat(box.configDir)).mode & 0o777, 0o700);
    for (const file of ['config.json', 'tokens.json']) assert.equal((await stat(join(box.configDir, file))).mode & 0o777, 0o600, file);
    const config = await readFile(join(box.configDir, 'config.json'), 'utf8');
    const { secret, rsa } = platform.serviceAccounts;
    assert.ok(!config.includes(secret.clientSecret));
    assert.ok(!config.includes((await readFile(rsa.keyFile, 'utf8')).split('\n')[1]!));
    for (const t of tokens) assert.ok(!config.includes(t));
    const tokenFile = await readFile(join(box.configDir, 'tokens.json'), 'utf8');
    assert.ok(tokenFile.includes(secret.clientSecret), 'the secret that re-runs the grant is in the token store');
  });

  test('switch --account --org changes whoami; unknown names list the valid ones', async () => {
    const { rsa } = platform.serviceAccounts;
    const before = json<Account>(await box.amplify(['auth', 'whoami', '--json']));
    assert.equal(before.name, platform.serviceAccounts.secret.clientId);
    const target = json<Account[]>(await box.amplify(['auth', 'ls', '--json'])).find((a) => a.name === rsa.clientId)!;
    const org = target.orgs[0]!;
    const sw = await box.amplify(['auth', 'switch', '--account', rsa.clientId, '--org', org.name, '--json']);
    assert.equal(sw.code, 0, sw.stderr);
    const after = json<Account>(await box.amplify(['auth', 'whoami', '--json']));
    assert.equal(after.name, rsa.clientId);
    assert.equal(after.default, true);
    assert.equal(after.org?.id, org.id);

    const unknown = await box.amplify(['auth', 'switch', '--account', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(unknown.stderr, /no account named "nobody"; accounts: .*sa-ec.*sa-rsa.*sa-secret/);
    const badOrg = await box.amplify(['auth', 'switch', '--account', rsa.clientId, '--org', 'no-such-org', '--json']);
    assert.equal(badOrg.code, 1);
    const error = json<{ error: { code: string; message: string } }>(badOrg).error;
    assert.equal(error.code, 'ENOORG');
    assert.ok(error.message.includes(org.id), 'the error lists the valid orgs');
  });

  test('logout NAME revokes its token at the issuer and removes it', async () => {
    const { ec } = platform.serviceAccounts;
    const t = (await box.amplify(['auth', 'token', '--account', ec.clientId])).stdout.trim();
    assert.equal((await platform.introspect(t)).active, true);
    const out = await box.amplify(['auth', 'logout', ec.clientId, '--json']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(json(out), [{ name: ec.clientId, revoked: true }]);
    assert.equal((await platform.introspect(t)).active, false);
    const names = json<Account[]>(await box.amplify(['auth', 'ls', '--json'])).map((a) => a.name);
    assert.ok(!names.includes(ec.clientId));
  });

  test('logout with several accounts and no TTY is a usage error listing them', async () => {
    const out = await box.amplify(['auth', 'logout']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /sa-rsa.*sa-secret|sa-secret.*sa-rsa/);
  });

  test('logout --all with the platform stopped still removes every account', async () => {
    await platform.stop();
    try {
      const out = await box.amplify(['auth', 'logout', '--all', '--json']);
      assert.equal(out.code, 0, out.stderr);
      const results = json<Array<{ name: string; revoked: boolean }>>(out);
      assert.equal(results.length, 2);
      for (const r of results) assert.equal(r.revoked, false);
      assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'])), []);
    } finally {
      await platform.resume();
    }
  });
});

describe('failures', () => {
  test('a wrong client secret: exit 1, one line naming the problem, nothing stored', async () => {
    const box = await sandbox();
    try {
      const out = await loginSecret(box, platform.serviceAccounts.secret.clientId, 'wrong-secret-value');
      assert.equal(out.code, 1);
      const lines = out.stderr.trim().split('\n').filter((l) => !l.includes('no OS keyring answered'));
      assert.equal(lines.length, 1, out.stderr);
      assert.match(lines[0]!, /invalid_client/);
      assert.ok(!out.stderr.includes('wrong-secret-value'));
      assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'])), []);
      const json1 = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', 'sa-secret', '--json'], { env: { AMPLIFY_CLIENT_SECRET: 'wrong-secret-value' } });
      assert.equal(json1.code, 1);
      assert.equal(json<{ error: { code: string } }>(json1).error.code, 'EAUTH');
    } finally {
      await box.cleanup();
    }
  });

  test('bad key files get a clear error', async () => {
    const box = await sandbox();
    try {
      const missing = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', 'sa-rsa', '--secret-file', join(box.home, 'nope.pem')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read --secret-file .*nope\.pem: no such file/);
      const { writeFile } = await import('node:fs/promises');
      const garbage = join(box.home, 'garbage.pem');
      await writeFile(garbage, 'not a key\n');
      const bad = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', 'sa-rsa', '--secret-file', garbage]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /garbage\.pem is not a PEM private key/);
      const encrypted = join(box.home, 'enc.pem');
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw-pw-pw' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      await writeFile(encrypted, privateKey);
      const enc = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', 'sa-rsa', '--secret-file', encrypted]);
      assert.equal(enc.code, 1);
      assert.match(enc.stderr, /encrypted private key/);
    } finally {
      await box.cleanup();
    }
  });

  test('usage errors exit 2 with one line; http issuers only on loopback', async () => {
    const box = await sandbox();
    try {
      const unknown = await box.amplify(['auth', 'login', '--bogus']);
      assert.equal(unknown.code, 2);
      assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
      const http = await box.amplify(['auth', 'login', '--issuer', 'http://login.example.com/realms/x', '--client-id', 'x', '--client-secret', 'y']);
      assert.equal(http.code, 2);
      assert.match(http.stderr, /must use https/);
      const noId = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-secret', 'y']);
      assert.equal(noId.code, 2);
      assert.match(noId.stderr, /--client-id/);
      const none = await box.amplify(['auth', 'token']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no account is logged in; run `amplify auth login`/);
    } finally {
      await box.cleanup();
    }
  });
});

describe('concurrency and expiry', () => {
  test('10 parallel logins for 10 clients keep all 10 accounts', async () => {
    const box = await sandbox();
    try {
      const batch = platform.serviceAccounts.batch.slice(0, 10);
      // Ten processes at once: the lock around each read-modify-write is what this is about.
      const results = await Promise.all(batch.map((sa) => loginSecret(box, sa.clientId, sa.clientSecret, [], { spawn: true })));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const accounts = json<Account[]>(await box.amplify(['auth', 'ls', '--json']));
      assert.deepEqual(accounts.map((a) => a.name).sort(), batch.map((sa) => sa.clientId).sort());
      assert.equal(accounts.filter((a) => a.default).length, 1);
      const tokens = JSON.parse(await readFile(join(box.configDir, 'tokens.json'), 'utf8')) as { entries: Record<string, unknown> };
      assert.equal(Object.keys(tokens.entries).length, 10);
    } finally {
      await box.cleanup();
    }
  });

  test('an expired service-account token is replaced by re-running its grant', async () => {
    const short = await startPlatform({ quiet: true, accessTokenTTL: 60 });
    const box = await sandbox();
    try {
      const sa = short.serviceAccounts.secret;
      const login = await box.amplify(['auth', 'login', '--base-url', short.baseUrl, '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
      assert.equal(login.code, 0, login.stderr);
      const first = (await box.amplify(['auth', 'token', '--min-validity', '0'])).stdout.trim();
      const requests = short.stats().tokenRequests.length;
      // 61 s later by the command's clock, past the token's 60 s, without waiting for them (and the new token lives
      // long enough for the introspection below on a loaded machine).
      const second = await box.amplify(['auth', 'token', '--min-validity', '0'], { now: () => Date.now() + 61_000 });
      assert.equal(second.code, 0, second.stderr);
      assert.notEqual(second.stdout.trim(), first);
      assert.equal(short.stats().tokenRequests.length, requests + 1);
      assert.equal((await short.introspect(second.stdout.trim())).active, true);
    } finally {
      await box.cleanup();
      await short.close();
    }
  });
});

describe('people with a password (the orgs claim without a platform URL)', () => {
  test('password login names the account clientId:email and takes orgs from the claim', async () => {
    const box = await sandbox();
    try {
      const alice = platform.people.find((p) => p.username === 'alice')!;
      const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', alice.username, '--json'], { env: { AMPLIFY_PASSWORD: alice.password } });
      assert.equal(out.code, 0, out.stderr);
      const account = json<Account>(out);
      assert.equal(account.name, `amplify-cli:${alice.email}`);
      assert.equal(account.method, 'password');
      assert.deepEqual(account.orgs.map((o) => o.id), alice.orgs.map((o) => o.id));
      assert.equal(account.org?.id, alice.orgs[0]!.id);
      assert.ok(account.expires.access);
      assert.ok(!out.stdout.includes(alice.password) && !out.stderr.includes(alice.password));
      const wrong = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'bob', '--force'], { env: { AMPLIFY_PASSWORD: 'not-bobs-password' } });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /refused the username or password for bob/);
      assert.equal(json<Account[]>(await box.amplify(['auth', 'ls', '--json'])).length, 1);
    } finally {
      await box.cleanup();
    }
  });
});
