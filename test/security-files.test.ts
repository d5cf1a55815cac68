// Files 0600 in a 0700 directory, re-applied even where a user loosened them; http:// issuers only on loopback.
import assert from 'node:assert/strict';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sharedPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

let platform: Platform;
before(async () => {
  platform = await sharedPlatform();
});
after(async () => {
  await platform?.close();
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const octal = (m: number): string => `0${m.toString(8)}`;

describe('file modes', () => {
  let box: Sandbox;
  let config: string;
  let tokens: string;
  before(async () => {
    box = await sandbox();
    config = join(box.configDir, 'config.json');
    tokens = join(box.configDir, 'tokens.json');
    const { secret, rsa } = platform.serviceAccounts;
    const a = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', secret.clientId], { env: { AMPLIFY_CLIENT_SECRET: secret.clientSecret } });
    assert.equal(a.code, 0, a.stderr);
    const b = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', rsa.clientId, '--secret-file', rsa.keyFile]);
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => box.cleanup());

  async function loosen(): Promise<void> {
    await chmod(box.configDir, 0o755);
    await chmod(config, 0o644);
    await chmod(tokens, 0o644);
  }

  async function assertPrivate(what: string): Promise<void> {
    assert.equal(octal(await mode(box.configDir)), '0700', `${what}: the directory`);
    assert.equal(octal(await mode(config)), '0600', `${what}: config.json`);
    assert.equal(octal(await mode(tokens)), '0600', `${what}: tokens.json`);
  }

  test('a command that writes config.json puts the directory and both files back to 0700/0600', async () => {
    await assertPrivate('after login');
    await loosen();
    const out = await box.amplify(['auth', 'switch', '--account', platform.serviceAccounts.rsa.clientId]);
    assert.equal(out.code, 0, out.stderr);
    await assertPrivate('after switch');
    assert.match(out.stderr, /tokens\.json was readable by others \(mode 0644\); amplify set it back to 0600/, 'the person hears about it');
  });

  test('a command that writes tokens does the same, with the widest modes', async () => {
    // The widest modes amplify still uses: a directory or config.json that others can write is refused since
    // SPEC "Tokens" says so (test/reliability-faults.test.ts); a token file writable by others is put right.
    await chmod(box.configDir, 0o755);
    await chmod(config, 0o644);
    await chmod(tokens, 0o666);
    const out = await box.amplify(['auth', 'token', '--min-validity', '99999999']);
    assert.equal(out.code, 0, out.stderr);
    await assertPrivate('after a token refresh');
  });

  test('a login and a logout do the same', async () => {
    await loosen();
    const { ec } = platform.serviceAccounts;
    const login = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', ec.clientId, '--secret-file', ec.keyFile]);
    assert.equal(login.code, 0, login.stderr);
    await assertPrivate('after login');
    await loosen();
    const logout = await box.amplify(['auth', 'logout', ec.clientId]);
    assert.equal(logout.code, 0, logout.stderr);
    await assertPrivate('after logout');
  });

  test('a helper that only reads still closes an open token file', async () => {
    await chmod(tokens, 0o640);
    const out = await box.amplify(['auth', 'token']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(octal(await mode(tokens)), '0600');
  });

  test('setup writes other tools\' files 0600 and leaves HOME\'s own mode alone', async () => {
    await chmod(box.home, 0o755);
    const npm = await box.amplify(['auth', 'setup', 'npm', '--registry', 'https://registry.work.example/npm/']);
    assert.equal(npm.code, 0, npm.stderr);
    // setup npm writes no file any more (auth exec sets npm_config_ variables); setup pnpm writes the .npmrc.
    const pnpm = await box.amplify(['auth', 'setup', 'pnpm', '--registry', 'https://registry.work.example/npm/']);
    assert.equal(pnpm.code, 0, pnpm.stderr);
    const docker = await box.amplify(['auth', 'setup', 'docker', '--registry', 'registry.work.example']);
    assert.equal(docker.code, 0, docker.stderr);
    assert.equal(octal(await mode(join(box.home, '.npmrc'))), '0600');
    assert.equal(octal(await mode(join(box.home, '.docker', 'config.json'))), '0600');
    assert.equal(octal(await mode(box.home)), '0755', 'HOME is the user\'s to set');
  });

  test('config.json never holds a token or a secret', async () => {
    const text = await readFile(config, 'utf8');
    const store = JSON.parse(await readFile(tokens, 'utf8')) as { entries: Record<string, Record<string, unknown>> };
    for (const entry of Object.values(store.entries)) {
      for (const value of Object.values(entry)) {
        if (typeof value === 'string' && value.length > 12) assert.ok(!text.includes(value.startsWith('-----') ? value.split('\n')[1]! : value));
      }
    }
  });
});

describe('issuer URLs', () => {
  test('http:// only for loopback issuers and platform URLs; the usage error says so', async () => {
    const box = await sandbox();
    try {
      for (const issuer of [
        'http://login.example.com/auth/realms/Broker',
        'http://localhost.evil.net/realms/x',
        'http://127.0.0.1.nip.io/realms/x',
        'http://10.0.0.1/realms/x',
        'http://[::2]/realms/x',
        'http://[::ffff:7f00:1]/realms/x',
        'ftp://127.0.0.1/realms/x',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'login.example.com',
      ]) {
        const out = await box.amplify(['auth', 'login', '--issuer', issuer, '--client-id', 'x', '--client-secret', 'y-secret-value']);
        assert.equal(out.code, 2, `${issuer}: ${out.stderr}`);
        assert.match(out.stderr, /must use https:\/\/|is not a URL/, issuer);
        assert.equal(out.stderr.trim().split('\n').length, 1);
        assert.ok(!out.stderr.includes('y-secret-value'));
      }
      const platformUrl = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--platform-url', 'http://platform.example.com', '--client-id', 'x', '--client-secret', 'y']);
      assert.equal(platformUrl.code, 2);
      assert.match(platformUrl.stderr, /--platform-url "http:\/\/platform\.example\.com" must use https:\/\//);
      const envPlatform = await box.amplify(['auth', 'login', '--env', 'staging', '--platform-url', 'http://platform.example.com', '--client-id', 'x', '--client-secret', 'y']);
      assert.equal(envPlatform.code, 2);
      const npm = await box.amplify(['auth', 'setup', 'npm', '--registry', 'http://registry.example.com/']);
      assert.equal(npm.code, 2);
      assert.match(npm.stderr, /must use https:\/\//);
      // Loopback over http is fine (the local platform), and so is https anywhere (here: nothing listening).
      for (const issuer of [platform.issuer, platform.issuer.replace('127.0.0.1', 'localhost'), 'https://127.0.0.1:1/realms/x', 'http://[::1]:1/realms/x']) {
        const out = await box.amplify(['auth', 'login', '--issuer', issuer, '--client-id', 'sa-secret', '--json'], { env: { AMPLIFY_CLIENT_SECRET: platform.serviceAccounts.secret.clientSecret } });
        assert.notEqual(out.code, 2, `${issuer}: ${out.stdout}${out.stderr}`);
        if (out.code !== 0) assert.notEqual(json<{ error: { code: string } }>(out).error.code, 'EUSAGE');
      }
    } finally {
      await box.cleanup();
    }
  });
});
