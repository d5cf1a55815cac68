// git: `amplify auth setup git`, real `git clone` through git-credential-amplify, and the credential protocol piped in directly.
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GIT_HELPER, helper, lastSeen, loginKey, loginPerson, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const hostPort = () => `127.0.0.1:${platform.port}`;
const gitUrl = (user?: string) => `http://${user ? `${encodeURIComponent(user)}@` : ''}${hostPort()}/demo.git`;
const tokenRequests = (clientId: string) => platform.stats().tokenRequests.filter((r) => r.clientId === clientId).length;
const request = (...lines: string[]) => `${lines.join('\n')}\n\n`;

describe('git: setup, then git clone through the helper', () => {
  let box: Sandbox;
  const otherConfig = '[user]\n\tname = Someone Else\n[credential]\n\thelper = cache\n[credential "https://other.example.com"]\n\thelper = store\n';
  before(async () => {
    box = await sandbox();
    await writeFile(join(box.home, '.gitconfig'), otherConfig);
  });
  after(async () => box.cleanup());

  const gitConfig = async (...args: string[]) => (await box.run('git', ['config', '--global', ...args])).stdout;

  test('setup git resets then sets the absolute helper path for both loopback origins, keeping other git config', async () => {
    const out = await box.amplify(['auth', 'setup', 'git', '--host', hostPort()]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, '');
    for (const origin of [`https://${hostPort()}`, `http://${hostPort()}`]) {
      const helpers = (await gitConfig('--get-all', `credential.${origin}.helper`)).split('\n').slice(0, -1);
      assert.deepEqual(helpers, ['', GIT_HELPER], `${origin}: an empty entry clears inherited helpers, then ours`);
      assert.ok(isAbsolute(helpers[1]!));
      await access(helpers[1]!);
    }
    assert.equal(await gitConfig('--get', 'user.name'), 'Someone Else\n');
    assert.equal(await gitConfig('--get', 'credential.helper'), 'cache\n');
    assert.equal(await gitConfig('--get', 'credential.https://other.example.com.helper'), 'store\n');
    // Running it again changes nothing (no duplicate helper lines).
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort()]);
    assert.equal((await gitConfig('--get-all', `credential.http://${hostPort()}.helper`)).split('\n').length, 3);

    const list = await box.amplify(['auth', 'setup']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, `git https://${hostPort()} → (default account)\ngit http://${hostPort()} → (default account)\n`);
    const listJson = json<Array<{ tool: string; host: string; account: string | null }>>(await box.amplify(['auth', 'setup', '--json']));
    assert.deepEqual(listJson.map((b) => `${b.tool} ${b.host} ${b.account}`), [`git https://${hostPort()} null`, `git http://${hostPort()} null`]);
  });

  test('setup git honours GIT_CONFIG_GLOBAL', async () => {
    const alt = join(box.home, 'alt.gitconfig');
    const out = await box.amplify(['auth', 'setup', 'git', '--host', 'git.example.com'], { env: { GIT_CONFIG_GLOBAL: alt } });
    assert.equal(out.code, 0, out.stderr);
    assert.match(await readFile(alt, 'utf8'), /\[credential "https:\/\/git\.example\.com"\]\n\thelper = \n\thelper = .*git-credential-amplify\n/);
    assert.doesNotMatch(await readFile(join(box.home, '.gitconfig'), 'utf8'), /git\.example\.com/);
    await mustRun(box, ['auth', 'setup', 'git', '--host', 'git.example.com', '--remove'], { GIT_CONFIG_GLOBAL: alt });
  });

  test('without a login the clone fails at once: quit=1 stops git, and the helper says to log in', async () => {
    const seen = platform.seen.git.length;
    const clone = await box.run('git', ['clone', gitUrl(), join(box.home, 'nologin')], { timeoutMs: 30_000 });
    assert.notEqual(clone.code, 0);
    assert.match(clone.stderr, /amplify: http:\/\/127\.0\.0\.1:\d+: no account is logged in; run `amplify auth login` first\./);
    assert.match(clone.stderr, /told us to quit/, 'git stopped on quit=1 instead of trying a prompt');
    assert.equal(platform.seen.git.length, seen, 'the server accepted nobody');
    const erase = await helper(box, GIT_HELPER, 'erase', request('protocol=http', `host=${hostPort()}`, 'username=oauth2', 'password=x'));
    assert.deepEqual({ code: erase.code, stdout: erase.stdout, stderr: erase.stderr }, { code: 0, stdout: '', stderr: '' }, 'erase has nothing to say');
  });

  test('after login the clone succeeds as the default account; after switch the server sees the other account', async () => {
    await loginSecret(box, platform);
    const first = await box.run('git', ['clone', gitUrl(), join(box.home, 'as-secret')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(await readFile(join(box.home, 'as-secret', 'README.md'), 'utf8'), /^# demo/);
    assert.equal(lastSeen(platform.seen.git), 'sa-secret');

    await loginKey(box, platform);
    await mustRun(box, ['auth', 'switch', '--account', 'sa-rsa']);
    const before = platform.seen.git.length;
    const second = await box.run('git', ['clone', gitUrl(), join(box.home, 'as-rsa')]);
    assert.equal(second.code, 0, second.stderr);
    const during = platform.seen.git.slice(before);
    assert.ok(during.length > 0);
    assert.deepEqual([...new Set(during)], ['sa-rsa'], 'every request of the second clone came as sa-rsa');
  });

  test('a username in the URL that names an account bound to the host too picks that account', async () => {
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', 'sa-secret']);
    const before = platform.seen.git.length;
    const clone = await box.run('git', ['clone', gitUrl('sa-secret'), join(box.home, 'by-username')]);
    assert.equal(clone.code, 0, clone.stderr);
    assert.deepEqual([...new Set(platform.seen.git.slice(before))], ['sa-secret'], 'the default is sa-rsa, the URL named sa-secret');
  });

  test('fetch after the cached token is revoked at the issuer: git erases it, the next get refreshes', async () => {
    const repo = join(box.home, 'as-rsa');
    const old = await token(box, 'sa-rsa');
    await platform.revokeGrantsFor('sa-rsa');
    // git 2.39 gives up after one refused credential (after calling erase); the second fetch gets a fresh token.
    const refused = await box.run('git', ['fetch'], { cwd: repo });
    assert.notEqual(refused.code, 0);
    const fetch = await box.run('git', ['fetch'], { cwd: repo });
    assert.equal(fetch.code, 0, fetch.stderr);
    assert.notEqual(await token(box, 'sa-rsa'), old);
    assert.equal(lastSeen(platform.seen.git), 'sa-rsa');
  });

  test('setup git --remove undoes it: no helper for the host, no binding, other config kept, clone fails again', async () => {
    const out = await box.amplify(['auth', 'setup', 'git', '--host', hostPort(), '--remove']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(join(box.home, '.gitconfig'), 'utf8'), otherConfig, 'the global config is back to what it was');
    assert.equal((await box.amplify(['auth', 'setup'])).stdout, 'No bindings. Run `amplify auth setup git --host <host>` (or docker, npm, kubectl).\n');
    const clone = await box.run('git', ['clone', gitUrl(), join(box.home, 'removed')], { timeoutMs: 30_000 });
    assert.notEqual(clone.code, 0);
    assert.doesNotMatch(clone.stderr, /amplify:/, 'the helper is no longer asked');
    const again = await box.amplify(['auth', 'setup', 'git', '--host', hostPort(), '--remove']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /nothing is set up for git/);
  });
});

describe('git credential protocol, piped into git-credential-amplify', () => {
  let box: Sandbox;
  let secretToken: string;
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
    await loginKey(box, platform);
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort()]);
    await mustRun(box, ['auth', 'setup', 'git', '--host', 'git.example.com']);
    secretToken = await token(box, 'sa-secret');
  });
  after(async () => box.cleanup());

  const get = (input: string) => helper(box, GIT_HELPER, 'get', input);
  const expirySeconds = async (account: string) => {
    const body = json<{ expiresAt: string }>(await box.amplify(['auth', 'token', '--account', account, '--json']));
    return Math.floor(Date.parse(body.expiresAt) / 1000);
  };

  test('without capability[]=authtype: username, password and password_expiry_utc, and nothing else', async () => {
    const out = await get(request('protocol=http', `host=${hostPort()}`));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `username=oauth2\npassword=${secretToken}\npassword_expiry_utc=${await expirySeconds('sa-secret')}\n`);
    assert.equal(out.stderr, '');
  });

  test('with capability[]=authtype: a Bearer credential, ephemeral, and nothing else', async () => {
    const out = await get(request('capability[]=authtype', 'protocol=http', `host=${hostPort()}`, 'wwwauth[]=Basic realm="amplify"'));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `capability[]=authtype\nauthtype=Bearer\ncredential=${secretToken}\nephemeral=1\n`);
    assert.equal(out.stderr, '');
  });

  test('https, url= and a differently-cased host name the same bound origin; `amplify credential git` answers the same', async () => {
    const expected = `username=oauth2\npassword=${secretToken}\npassword_expiry_utc=${await expirySeconds('sa-secret')}\n`;
    for (const input of [
      request('protocol=https', `host=${hostPort()}`),
      request(`url=http://${hostPort()}/demo.git`),
      request('protocol=https', 'host=GIT.Example.com'),
      request('protocol=https', 'host=git.example.com:443', 'path=org/repo.git'),
    ]) {
      const out = await get(input);
      assert.equal(out.stdout, expected, JSON.stringify(input));
      assert.equal(out.stderr, '');
    }
    const plumbing = await box.amplify(['credential', 'git', 'get'], { input: request('protocol=http', `host=${hostPort()}`) });
    assert.equal(plumbing.code, 0, plumbing.stderr);
    assert.equal(plumbing.stdout, expected);
  });

  test('refused requests answer nothing, exit 0: CR, NUL, empty or missing host, ftp, http to a public host, look-alike hosts', async () => {
    const port = platform.port;
    const refused: Record<string, string> = {
      'CR in the host': request('protocol=http', `host=${hostPort()}\r`),
      'CR in the path': request('protocol=http', `host=${hostPort()}`, 'path=demo.git\rprotocol=https'),
      'NUL in a value': request('protocol=http', `host=${hostPort()}`, 'username=oauth2\0sa-rsa'),
      'empty host': request('protocol=https', 'host='),
      'missing host': request('protocol=https'),
      'missing protocol': request(`host=${hostPort()}`),
      ftp: request('protocol=ftp', `host=${hostPort()}`),
      'http to a public host': request('protocol=http', 'host=git.example.com'),
      'starts with the bound host': request('protocol=https', 'host=git.example.com.evil.net'),
      'ends with the bound host': request('protocol=https', 'host=evilgit.example.com'),
      'a subdomain of the bound host': request('protocol=https', 'host=x.git.example.com'),
      'another port': request('protocol=https', 'host=git.example.com:8443'),
      'a port that starts with the bound one': request('protocol=http', `host=127.0.0.1:${port}0`),
      'a loopback address that starts with the bound one': request('protocol=http', `host=127.0.0.10:${port}`),
      'a trailing dot': request('protocol=https', 'host=git.example.com.'),
      'userinfo smuggled into host': request('protocol=https', 'host=evil.net@git.example.com'),
      'percent-encoded CR LF in url=': request('url=https://git.example.com/%0d%0ahost=evil.net'),
      unbound: request('protocol=https', 'host=unbound.example.org'),
    };
    for (const [name, input] of Object.entries(refused)) {
      const out = await get(input);
      assert.deepEqual({ code: out.code, stdout: out.stdout, stderr: out.stderr }, { code: 0, stdout: '', stderr: '' }, name);
    }
  });

  test('capability: version 0 and authtype, exactly; store is a no-op', async () => {
    const cap = await helper(box, GIT_HELPER, 'capability');
    assert.deepEqual({ code: cap.code, stdout: cap.stdout, stderr: cap.stderr }, { code: 0, stdout: 'version 0\ncapability authtype\n', stderr: '' });
    const requests = tokenRequests('sa-secret');
    const store = await helper(box, GIT_HELPER, 'store', request('protocol=http', `host=${hostPort()}`, 'username=oauth2', 'password=something-else'));
    assert.deepEqual({ code: store.code, stdout: store.stdout, stderr: store.stderr }, { code: 0, stdout: '', stderr: '' });
    assert.equal(await token(box, 'sa-secret'), secretToken, 'store kept nothing of what git offered');
    assert.equal(tokenRequests('sa-secret'), requests);
  });

  test('a username that names an account bound to the host picks that account; any other username is echoed with the default token', async () => {
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', 'sa-rsa']);
    const rsa = await token(box, 'sa-rsa');
    const named = await get(request('protocol=http', `host=${hostPort()}`, 'username=sa-rsa'));
    assert.equal(named.stdout, `username=sa-rsa\npassword=${rsa}\npassword_expiry_utc=${await expirySeconds('sa-rsa')}\n`);
    const other = await get(request('protocol=http', `host=${hostPort()}`, 'username=someone'));
    assert.match(other.stdout, new RegExp(`^username=someone\npassword=${secretToken}\npassword_expiry_utc=\\d+\n$`));
  });

  test('erase drops only the cached token it names; the next get refreshes; nobody is logged out', async () => {
    const rsaBefore = await token(box, 'sa-rsa');
    const requests = tokenRequests('sa-secret');
    const wrong = await helper(box, GIT_HELPER, 'erase', request('protocol=http', `host=${hostPort()}`, 'username=oauth2', 'password=not-the-cached-token'));
    assert.deepEqual({ code: wrong.code, stdout: wrong.stdout, stderr: wrong.stderr }, { code: 0, stdout: '', stderr: '' });
    assert.equal(await token(box, 'sa-secret'), secretToken, 'a token that is not the cached one drops nothing');
    assert.equal(tokenRequests('sa-secret'), requests);

    const erase = await helper(box, GIT_HELPER, 'erase', request('protocol=http', `host=${hostPort()}`, 'username=oauth2', `password=${secretToken}`));
    assert.deepEqual({ code: erase.code, stdout: erase.stdout, stderr: erase.stderr }, { code: 0, stdout: '', stderr: '' });
    const after = await get(request('protocol=http', `host=${hostPort()}`));
    const fresh = /^username=oauth2\npassword=(\S+)\npassword_expiry_utc=\d+\n$/.exec(after.stdout)?.[1];
    assert.ok(fresh, after.stdout);
    assert.notEqual(fresh, secretToken);
    assert.equal(tokenRequests('sa-secret'), requests + 1, 'one token request for the refresh');
    assert.equal((await platform.introspect(fresh)).active, true);
    assert.equal(await token(box, 'sa-rsa'), rsaBefore, "the other account's token is untouched");
    const names = json<Array<{ name: string }>>(await box.amplify(['auth', 'ls', '--json'])).map((a) => a.name);
    assert.deepEqual(names.sort(), ['sa-rsa', 'sa-secret']);
    secretToken = fresh;
  });

  test('an account that needs a new login: quit=1 on stdout, the reason on stderr, the account kept', async () => {
    const alice = await loginPerson(box, platform, 'alice');
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', alice]);
    const aliceToken = await token(box, alice);
    await platform.revokeGrantsFor('alice');
    // Drop the cached token the way git would after a 401, so the next get must refresh, and the issuer refuses.
    await helper(box, GIT_HELPER, 'erase', request('protocol=http', `host=${hostPort()}`, `username=${alice}`, `password=${aliceToken}`));
    const out = await get(request('protocol=http', `host=${hostPort()}`, `username=${alice}`));
    assert.equal(out.code, 0);
    assert.equal(out.stdout, 'quit=1\n');
    assert.match(out.stderr, /^amplify: http:\/\/127\.0\.0\.1:\d+: amplify-cli:alice@example\.com needs a new login .*run `amplify auth login --base-url .* --username alice@example\.com --force`\.\n$/);
    assert.ok(!out.stderr.includes(aliceToken));
    const accounts = json<Array<{ name: string; needsLogin: boolean }>>(await box.amplify(['auth', 'ls', '--json']));
    assert.equal(accounts.find((a) => a.name === alice)?.needsLogin, true);
    // Other accounts on the same host keep working.
    assert.match((await get(request('protocol=http', `host=${hostPort()}`))).stdout, /^username=oauth2\npassword=/);
  });

  test('an unknown action is a usage error on stderr, nothing on stdout', async () => {
    const out = await helper(box, GIT_HELPER, 'frobnicate', request('protocol=http', `host=${hostPort()}`));
    assert.equal(out.code, 2);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /unknown action "frobnicate"/);
  });
});
