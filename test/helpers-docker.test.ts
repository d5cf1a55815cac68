// docker: `amplify auth setup docker`, real `docker login`/`logout` (client-side, no daemon) and skopeo through docker-credential-amplify.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOCKER_HELPER, helper, needs, loginKey, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

const NOT_FOUND = 'credentials not found in native keychain\n';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const registry = () => `127.0.0.1:${platform.port}`;
const tokenRequests = (clientId: string) => platform.stats().tokenRequests.filter((r) => r.clientId === clientId).length;
const credential = (serverURL: string, username: string, secret: string) => `${JSON.stringify({ ServerURL: serverURL, Username: username, Secret: secret })}\n`;

/** A sandbox whose DOCKER_CONFIG is $HOME/.docker, the one place docker and skopeo (which ignores DOCKER_CONFIG) both read. */
async function dockerSandbox(config?: Record<string, unknown>): Promise<{ box: Sandbox; configFile: string }> {
  const box = await sandbox();
  const dir = join(box.home, '.docker');
  box.env.DOCKER_CONFIG = dir;
  const configFile = join(dir, 'config.json');
  if (config) {
    await mkdir(dir, { recursive: true });
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  }
  return { box, configFile };
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const exact = (r: { code: number | null; stdout: string; stderr: string }) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe('docker login and logout through the helper (real docker CLI)', { skip: needs(['docker', 'the docker CLI']) }, () => {
  test('an unbound registry under credsStore: login stores the credential, list and get return it, logout erases it', async () => {
    const { box, configFile } = await dockerSandbox({ credsStore: 'amplify', psFormat: 'table' });
    try {
      await loginSecret(box, platform);
      const typed = await token(box);
      const login = await box.run('docker', ['login', '-u', 'oauth2', '--password-stdin', registry()], { input: typed });
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, /Login Succeeded/);
      assert.ok(!(await readFile(configFile, 'utf8')).includes(typed), 'docker kept the secret in the helper, not in config.json');

      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'list')), { code: 0, stdout: `{"${registry()}":"oauth2"}\n`, stderr: '' });
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', registry())), { code: 0, stdout: credential(registry(), 'oauth2', typed), stderr: '' });

      const logout = await box.run('docker', ['logout', registry()]);
      assert.equal(logout.code, 0, logout.stderr);
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'list')), { code: 0, stdout: '{}\n', stderr: '' });
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', registry())), { code: 1, stdout: NOT_FOUND, stderr: '' });
      assert.deepEqual(json<unknown[]>(await box.amplify(['auth', 'ls', '--json'])).length, 1, 'erasing a stored registry credential logs nobody out');
    } finally {
      await box.cleanup();
    }
  });

  test("a bound registry: setup keeps other keys, login's store is a no-op, get answers with the account's token, logout drops only the cached token", async () => {
    const before = { auths: { 'other.example.com': { auth: 'dXNlcjpwYXNz' } }, psFormat: 'table', credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } };
    const { box, configFile } = await dockerSandbox(before);
    try {
      await loginSecret(box, platform);
      await loginKey(box, platform);
      const setup = await box.amplify(['auth', 'setup', 'docker', '--registry', registry()]);
      assert.equal(setup.code, 0, setup.stderr);
      assert.equal(setup.stderr, '', 'docker-credential-amplify is on PATH: nothing to warn about');
      assert.deepEqual(await readJson(configFile), { ...before, credHelpers: { 'gcr.io': 'gcloud', [registry()]: 'amplify' } });

      // Log in with sa-rsa's token: the registry accepts it, but a bound registry answers with the bound (default) account.
      const typed = await token(box, 'sa-rsa');
      const login = await box.run('docker', ['login', '-u', 'typed-user', '--password-stdin', registry()], { input: typed });
      assert.equal(login.code, 0, login.stderr);
      const cached = await token(box, 'sa-secret');
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', registry())), { code: 0, stdout: credential(registry(), 'oauth2', cached), stderr: '' });
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'list')), { code: 0, stdout: `{"${registry()}":"oauth2"}\n`, stderr: '' });

      const requests = tokenRequests('sa-secret');
      const rsaBefore = await token(box, 'sa-rsa');
      const logout = await box.run('docker', ['logout', registry()]);
      assert.equal(logout.code, 0, logout.stderr);
      const secret = json<Array<{ name: string; expires: { access: string | null } }>>(await box.amplify(['auth', 'ls', '--json'])).find((a) => a.name === 'sa-secret');
      assert.equal(secret?.expires.access, null, 'erase dropped the cached access token');
      const after = await helper(box, DOCKER_HELPER, 'get', registry());
      assert.equal(after.code, 0, after.stdout);
      const fresh = (JSON.parse(after.stdout) as { Secret: string }).Secret;
      assert.notEqual(fresh, cached);
      assert.equal(tokenRequests('sa-secret'), requests + 1, 'the next get refreshed once');
      assert.equal(await token(box, 'sa-rsa'), rsaBefore, 'the other account is untouched');
      assert.equal(json<unknown[]>(await box.amplify(['auth', 'ls', '--json'])).length, 2, 'nobody logged out');

      const remove = await box.amplify(['auth', 'setup', 'docker', '--registry', registry(), '--remove']);
      assert.equal(remove.code, 0, remove.stderr);
      const left = await readJson(configFile);
      assert.deepEqual(left.credHelpers, { 'gcr.io': 'gcloud' });
      assert.deepEqual(left.auths, before.auths);
      assert.equal(left.psFormat, 'table');
    } finally {
      await box.cleanup();
    }
  });
});

describe('skopeo inspect through the helper', { skip: needs('skopeo') }, () => {
  test("skopeo reads credHelpers from $HOME/.docker/config.json and gets the selected account's token through get", async () => {
    const { box } = await dockerSandbox();
    try {
      await loginSecret(box, platform);
      await loginKey(box, platform);
      await mustRun(box, ['auth', 'setup', 'docker', '--registry', registry()]);
      const image = `docker://${registry()}/demo:latest`;
      for (const account of ['sa-secret', 'sa-rsa']) {
        await mustRun(box, ['auth', 'switch', '--account', account]);
        const before = platform.seen.registry.length;
        const inspect = await box.run('skopeo', ['inspect', '--tls-verify=false', image]);
        assert.equal(inspect.code, 0, inspect.stderr);
        const body = JSON.parse(inspect.stdout) as { Name: string; Digest: string; RepoTags: string[] };
        assert.equal(body.Name, `${registry()}/demo`);
        assert.match(body.Digest, /^sha256:[0-9a-f]{64}$/);
        assert.deepEqual(body.RepoTags, ['latest']);
        const seen = platform.seen.registry.slice(before);
        assert.ok(seen.length > 0);
        assert.deepEqual([...new Set(seen)], [account], `every registry request came as ${account}`);
      }
      // Without the binding skopeo has no credential, and the registry refuses it.
      await mustRun(box, ['auth', 'setup', 'docker', '--registry', registry(), '--remove']);
      const refused = await box.run('skopeo', ['inspect', '--tls-verify=false', image]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /unauthorized|authentication required/i);
    } finally {
      await box.cleanup();
    }
  });
});

describe('docker credential protocol, piped into docker-credential-amplify', () => {
  let box: Sandbox;
  before(async () => {
    ({ box } = await dockerSandbox());
  });
  after(async () => box.cleanup());

  test('with no login, a bound registry answers one line on stdout saying to log in, exit 1', async () => {
    await mustRun(box, ['auth', 'setup', 'docker', '--registry', registry()]);
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', registry())), {
      code: 1,
      stdout: 'amplify: no account is logged in; run `amplify auth login` first.\n',
      stderr: '',
    });
  });

  test('an unbound registry: the not-found line on stdout, exit 1, in every form docker sends', async () => {
    await loginSecret(box, platform);
    for (const input of ['registry.example.org', 'registry.example.org\n', 'https://registry.example.org/v2/', `127.0.0.1:${platform.port + 1}`, '']) {
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', input)), { code: 1, stdout: NOT_FOUND, stderr: '' }, JSON.stringify(input));
    }
  });

  test('a bound registry answers in each spelling of it, echoing the ServerURL as sent', async () => {
    const t = await token(box);
    for (const serverURL of [registry(), `http://${registry()}`, `http://${registry()}/v2/`]) {
      assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', serverURL)), { code: 0, stdout: credential(serverURL, 'oauth2', t), stderr: '' });
    }
    // A look-alike is not the bound registry.
    assert.equal((await helper(box, DOCKER_HELPER, 'get', `127.0.0.1:${platform.port}0`)).stdout, NOT_FOUND);
  });

  test('store, list, get and erase for an unbound registry keep exactly what docker gave', async () => {
    const stored = { ServerURL: 'https://registry.example.org', Username: 'robot$ci', Secret: 'opaque-registry-secret' };
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'store', JSON.stringify(stored))), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', 'registry.example.org')), { code: 0, stdout: credential(stored.ServerURL, stored.Username, stored.Secret), stderr: '' });
    assert.deepEqual(JSON.parse((await helper(box, DOCKER_HELPER, 'list')).stdout), { [registry()]: 'oauth2', 'https://registry.example.org': 'robot$ci' });
    const config = await readFile(join(box.configDir, 'config.json'), 'utf8');
    assert.ok(!config.includes(stored.Secret), 'the secret lives in the token store, not config.json');
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'erase', 'https://registry.example.org')), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'get', 'registry.example.org')), { code: 1, stdout: NOT_FOUND, stderr: '' });
    assert.deepEqual(exact(await helper(box, DOCKER_HELPER, 'erase', 'registry.example.org')), { code: 1, stdout: NOT_FOUND, stderr: '' });
  });

  test('store for a bound registry keeps nothing; bad input is one line on stdout, exit 1; version is one line', async () => {
    const t = await token(box);
    const store = await helper(box, DOCKER_HELPER, 'store', JSON.stringify({ ServerURL: registry(), Username: 'x', Secret: 'typed-in-secret' }));
    assert.deepEqual(exact(store), { code: 0, stdout: '', stderr: '' });
    assert.equal((await helper(box, DOCKER_HELPER, 'get', registry())).stdout, credential(registry(), 'oauth2', t));
    assert.ok(!(await readFile(join(box.configDir, 'tokens.json'), 'utf8')).includes('typed-in-secret'));

    const bad = await helper(box, DOCKER_HELPER, 'store', '{not json');
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout.split('\n').length, 2, 'one line');
    const version = await helper(box, DOCKER_HELPER, 'version');
    assert.equal(version.code, 0);
    const { version: pkgVersion } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(version.stdout, `docker-credential-amplify (amplify-auth) ${pkgVersion}\n`);
    const unknown = await helper(box, DOCKER_HELPER, 'frobnicate');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
  });

  test('setup docker with the helper missing from PATH says so on stderr', async () => {
    const out = await box.amplify(['auth', 'setup', 'docker', '--registry', 'registry.example.net'], { env: { PATH: '/usr/bin:/bin' } });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /docker runs docker-credential-amplify from PATH, and it is not on PATH/);
  });
});
