// Behind a corporate proxy: every login method, a helper's refresh and logout through a real squid, to an https issuer
// with a private CA under a host name only the proxy can resolve; NO_PROXY, a wrong proxy password, a missing CA.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LookupFunction } from 'node:net';
import { httpFetch } from '../src/http.js';
import { after, before, describe, test } from 'node:test';
import { GIT_HELPER, helper } from './helpers-support.js';
import { approveDevice, Browser } from './platform/browserless.js';
import { startPlatform, type Platform } from './platform/index.js';
import { startCli } from './support/browser.js';
import { json, sandbox, type RunResult, type Sandbox } from './support/cli.js';
import { squidMissing, startSquid, type Squid } from './support/proxy.js';
import { privateCA, type PrivateCA } from './support/tls.js';

const HOST = 'issuer.amplify-proxy.test';
/** A plain-http site behind the same proxy, for HTTP_PROXY. */
const PLAIN = 'plain.amplify-proxy.test';
const skip = squidMissing();

let ca: PrivateCA;
let platform: Platform;
let squid: Squid;
let box: Sandbox;
/** Every command's output, checked at the end for the proxy's password. */
const outputs: Array<{ what: string; result: RunResult }> = [];

before(async () => {
  if (skip) return;
  ca = await privateCA(HOST);
  platform = await startPlatform({ quiet: true, tls: { key: ca.key, cert: ca.cert }, hostname: HOST });
  squid = await startSquid({ [HOST]: '127.0.0.1', [PLAIN]: '127.0.0.1' });
  box = await sandbox();
});
after(async () => {
  await platform?.close();
  await squid?.close();
  await ca?.remove();
  await box?.cleanup();
});

/** What a user behind the proxy has set: the lowercase name with the credentials, a wrong uppercase one it beats. */
const behindProxy = (): Record<string, string> => ({
  https_proxy: squid.authUrl,
  HTTPS_PROXY: 'http://127.0.0.1:9',
  NODE_EXTRA_CA_CERTS: ca.caFile,
});
const issuer = (): string[] => ['--base-url', platform.baseUrl, '--platform-url', platform.platformUrl];

async function amplify(what: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const result = await box.amplify(args, { env: { ...behindProxy(), ...env } });
  outputs.push({ what, result });
  return result;
}

/** CONNECT lines squid logged for the issuer, as the authenticated user. */
async function tunnels(): Promise<number> {
  return (await squid.accessLog()).filter((line) => line.includes(`CONNECT ${HOST}:${platform.port}`) && line.includes(squid.user) && /TCP_TUNNEL\/200/.test(line)).length;
}

/** The test's own way to the issuer (for the person approving a device code): its address and the private CA. */
function pinnedFetch(): typeof fetch {
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init.headers));
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, ca: ca.ca, lookup }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 0;
          resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
      });
      req.once('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}

const oneLine = (result: RunResult): void => assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);

describe('through a real forward proxy (squid) to an https issuer with a private CA', { skip }, () => {
  test('direct, the issuer cannot even be resolved: the test would catch a request that skips the proxy', async () => {
    const result = await amplify('direct login', ['auth', 'login', ...issuer(), '--client-id', platform.serviceAccounts.secret.clientId], {
      https_proxy: undefined,
      HTTPS_PROXY: undefined,
      AMPLIFY_CLIENT_SECRET: platform.serviceAccounts.secret.clientSecret,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ENOTFOUND|EAI_AGAIN/);
    oneLine(result);
  });

  test('client secret login goes through CONNECT, with the proxy credentials, debug output on (ours and DEBUG=*)', async () => {
    const before = await tunnels();
    const sa = platform.serviceAccounts.secret;
    const result = await amplify('client secret login', ['auth', 'login', ...issuer(), '--client-id', sa.clientId, '--json'], {
      AMPLIFY_CLIENT_SECRET: sa.clientSecret,
      AMPLIFY_DEBUG: '1',
      DEBUG: '*',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json<{ name: string }>(result).name, sa.clientId);
    assert.ok((await tunnels()) > before, 'squid carried the requests');
    // The debug trace names the proxy, credentials masked; the agents' own debug lines (DEBUG=*) are not printed.
    assert.match(result.stderr, new RegExp(`debug: ${HOST}:${platform.port} through http://\\*\\*\\*@127\\.0\\.0\\.1:${squid.port} \\(HTTPS_PROXY\\)`));
    assert.doesNotMatch(result.stderr, /proxy-agent/);
  });

  test('signed JWT login', async () => {
    const sa = platform.serviceAccounts.rsa;
    const result = await amplify('signed JWT login', ['auth', 'login', ...issuer(), '--client-id', sa.clientId, '--secret-file', sa.keyFile, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json<{ name: string }>(result).name, sa.clientId);
  });

  test('device login (the person approves from their own browser)', async () => {
    const cli = startCli(box, ['auth', 'login', ...issuer(), '--device', '--no-launch-browser'], behindProxy());
    const code = (await cli.waitForStderr(/enter the code:\s+(\S+)\n/))[1]!;
    await approveDevice(platform, code, 'bob', 'bob-pw', { browser: new Browser(20, pinnedFetch()) });
    const result = await cli.done;
    outputs.push({ what: 'device login', result });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /amplify-cli:bob@example\.com/);
  });

  test('password login, then a git helper get that needs a refresh (the helpers\' CommonJS tier) refreshes through the proxy', async () => {
    const alice = platform.people.find((p) => p.username === 'alice')!;
    const login = await amplify('password login', ['auth', 'login', ...issuer(), '--username', alice.username, '--json'], { AMPLIFY_PASSWORD: alice.password });
    assert.equal(login.code, 0, login.stderr);
    const name = json<{ name: string }>(login).name;
    assert.equal((await amplify('switch', ['auth', 'switch', '--account', name])).code, 0);
    const host = `git.${HOST}`;
    assert.equal((await amplify('setup git', ['auth', 'setup', 'git', '--host', host])).code, 0);
    const request = `protocol=https\nhost=${host}\n\n`;
    const first = await helper(box, GIT_HELPER, 'get', request, behindProxy());
    outputs.push({ what: 'helper get', result: first });
    const old = /^password=(.+)$/m.exec(first.stdout)?.[1];
    assert.ok(old, first.stderr);
    // Erasing the token git was refused with makes the next get refresh.
    const erase = await helper(box, GIT_HELPER, 'erase', `protocol=https\nhost=${host}\nusername=oauth2\npassword=${old}\n\n`, behindProxy());
    assert.equal(erase.code, 0, erase.stderr);
    platform.resetStats();
    const before = await tunnels();
    const env = { ...behindProxy(), AMPLIFY_DEBUG: '1', DEBUG: '*' };
    const fresh = await helper(box, GIT_HELPER, 'get', request, env);
    outputs.push({ what: 'helper refresh', result: fresh });
    assert.equal(fresh.code, 0, fresh.stderr);
    const token = /^password=(.+)$/m.exec(fresh.stdout)?.[1];
    assert.ok(token && token !== old, fresh.stderr);
    assert.deepEqual(platform.stats().tokenRequests.map((r) => r.grantType), ['refresh_token']);
    assert.ok((await tunnels()) > before, 'the refresh went through squid');
    assert.match(fresh.stderr, /needed: the full build answers/, 'the refresh ran in the helpers\' CommonJS tier');
    // NODE_EXTRA_CA_CERTS is what makes that tier trust the issuer: without it, the same refresh fails.
    const again = /^password=(.+)$/m.exec(fresh.stdout)![1]!;
    await helper(box, GIT_HELPER, 'erase', `protocol=https\nhost=${host}\nusername=oauth2\npassword=${again}\n\n`, behindProxy());
    const untrusted = await helper(box, GIT_HELPER, 'get', request, { ...behindProxy(), NODE_EXTRA_CA_CERTS: '' });
    outputs.push({ what: 'helper refresh without the CA', result: untrusted });
    assert.doesNotMatch(untrusted.stdout, /^password=/m);
    assert.match(untrusted.stderr, /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  test('with NO_PROXY naming the issuer, every command goes direct and fails fast, in one line', async () => {
    for (const noProxy of [HOST, '.amplify-proxy.test', 'amplify-proxy.test', `${HOST}:${platform.port}`]) {
      const started = Date.now();
      const result = await amplify(`login NO_PROXY=${noProxy}`, ['auth', 'login', ...issuer(), '--client-id', platform.serviceAccounts.ec.clientId, '--secret-file', platform.serviceAccounts.ec.keyFile], {
        no_proxy: noProxy,
        NO_PROXY: 'nothing.example',
      });
      assert.equal(result.code, 1, `${noProxy}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`cannot reach ${platform.issuer.replace(/[.]/g, '\\.')}.*(ENOTFOUND|EAI_AGAIN)`));
      oneLine(result);
      assert.ok(Date.now() - started < 32_000);
    }
    // A port that is not the issuer's leaves it proxied.
    const other = await amplify('login NO_PROXY other port', ['auth', 'login', ...issuer(), '--client-id', platform.serviceAccounts.ec.clientId, '--secret-file', platform.serviceAccounts.ec.keyFile], { no_proxy: `${HOST}:1` });
    assert.equal(other.code, 0, other.stderr);
    const request = `protocol=https\nhost=git.${HOST}\n\n`;
    const list = json<Array<{ name: string }>>(await amplify('ls', ['auth', 'ls', '--json']));
    const alice = list.find((a) => a.name.includes('alice'))!.name;
    const cached = await helper(box, GIT_HELPER, 'get', request, behindProxy());
    const old = /^password=(.+)$/m.exec(cached.stdout)![1]!;
    await helper(box, GIT_HELPER, 'erase', `${request.trimEnd()}\nusername=oauth2\npassword=${old}\n\n`, behindProxy());
    const started = Date.now();
    const get = await helper(box, GIT_HELPER, 'get', request, { ...behindProxy(), no_proxy: HOST });
    outputs.push({ what: 'helper get NO_PROXY', result: get });
    assert.ok(Date.now() - started < 12_000);
    assert.doesNotMatch(get.stdout, /^password=/m);
    assert.match(get.stderr, /ENOTFOUND|EAI_AGAIN/);
    oneLine(get);
    const logout = await amplify('logout NO_PROXY', ['auth', 'logout', alice, '--json'], { no_proxy: HOST });
    assert.equal(logout.code, 0, logout.stderr);
    assert.deepEqual(json(logout), [{ name: alice, revoked: false }]);
  });

  test('logout through the proxy revokes at the issuer', async () => {
    const names = json<Array<{ name: string }>>(await amplify('ls', ['auth', 'ls', '--json'])).map((a) => a.name);
    assert.ok(names.includes('amplify-cli:bob@example.com'), names.join(', '));
    const result = await amplify('logout', ['auth', 'logout', 'amplify-cli:bob@example.com', '--json'], { AMPLIFY_DEBUG: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(json(result), [{ name: 'amplify-cli:bob@example.com', revoked: true }]);
  });

  test('a wrong proxy password: the proxy refused, said in one line, neither password shown', async () => {
    const wrong = squid.authUrl.replace(encodeURIComponent(squid.password), 'Wr0ng-proxy-pw');
    const result = await amplify('wrong proxy password', ['auth', 'login', ...issuer(), '--client-id', platform.serviceAccounts.rsa.clientId, '--secret-file', platform.serviceAccounts.rsa.keyFile, '--force'], {
      https_proxy: wrong,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ answered 407 .*check the user name and password/);
    assert.doesNotMatch(result.stdout + result.stderr, /Wr0ng-proxy-pw/);
    oneLine(result);
  });

  test('without NODE_EXTRA_CA_CERTS the private CA is not trusted: the certificate is verified through the tunnel', async () => {
    const result = await amplify('no CA', ['auth', 'login', ...issuer(), '--client-id', platform.serviceAccounts.rsa.clientId, '--secret-file', platform.serviceAccounts.rsa.keyFile, '--force'], {
      NODE_EXTRA_CA_CERTS: undefined,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    oneLine(result);
  });

  test('http URLs go through HTTP_PROXY (the HTTP client itself): the credentials reach the proxy only; a 407 is the proxy refusing', async () => {
    const server = createServer((req, res) => res.end(JSON.stringify({ path: req.url, proxyAuthorization: req.headers['proxy-authorization'] ?? null })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://${PLAIN}:${(server.address() as AddressInfo).port}/hello`;
      const answer = await httpFetch(url, {}, { http_proxy: squid.authUrl, HTTPS_PROXY: 'http://127.0.0.1:9' });
      assert.equal(answer.status, 200);
      assert.deepEqual(await answer.json(), { path: '/hello', proxyAuthorization: null });
      assert.ok((await squid.accessLog()).some((line) => line.includes(`GET ${url}`) && line.includes(squid.user)));
      await assert.rejects(httpFetch(url, {}, {}), (error: Error) => /ENOTFOUND|EAI_AGAIN/.test(String((error.cause as { code?: string }).code)));
      const wrong = squid.authUrl.replace(encodeURIComponent(squid.password), 'Wr0ng-proxy-pw');
      await assert.rejects(httpFetch(url, {}, { HTTP_PROXY: wrong }), (error: Error) => {
        const message = (error.cause as Error).message;
        assert.match(message, /^the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ answered 407/);
        assert.doesNotMatch(message, /Wr0ng|corp-user/);
        return true;
      });
    } finally {
      server.close();
    }
  });

  test('a proxy that never answers CONNECT: the request gives up at its deadline and the connection to the proxy goes with it', async () => {
    const { createServer: createTcpServer } = await import('node:net');
    const closed: number[] = [];
    const started = Date.now();
    const hung = createTcpServer((socket) => {
      // Reads the CONNECT request and never answers it.
      socket.resume();
      socket.on('error', () => undefined);
      socket.once('close', () => closed.push(Date.now() - started));
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const proxy = `http://user:Hung-proxy-pw@127.0.0.1:${(hung.address() as AddressInfo).port}`;
      await assert.rejects(httpFetch(`https://${HOST}:${platform.port}/`, { signal: AbortSignal.timeout(500) }, { HTTPS_PROXY: proxy }), { name: 'TimeoutError' });
      for (let i = 0; i < 50 && closed.length === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
      assert.equal(closed.length, 1, 'the connection to the proxy is still open');
    } finally {
      hung.close();
    }
  });

  test('the proxy password appears in no output of any command, debug included', () => {
    const encoded = Buffer.from(`${squid.user}:${squid.password}`).toString('base64');
    assert.ok(outputs.length >= 15, `${outputs.length} outputs`);
    for (const { what, result } of outputs) {
      for (const secret of [squid.password, encodeURIComponent(squid.password), encoded]) {
        assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `${what} printed the proxy password`);
      }
    }
    assert.ok(outputs.some(({ result }) => result.stderr.includes('amplify: debug:')), 'debug output was among them');
  });
});
