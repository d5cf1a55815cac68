// Device code logins (RFC 8628) through the real `amplify` bin: approved, denied, timed out, and a fake issuer for slow_down and expired_token.
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { approveDevice } from './platform/browserless.js';
import { startPlatform, type Platform } from './platform/index.js';
import { approveDeviceWithBrowser, chromiumMissing, launchChromium, startCli, type WaitingCli } from './support/browser.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import type { Account } from './support/accounts.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const deviceArgs = (baseUrl: string, ...extra: string[]) => ['auth', 'login', '--base-url', baseUrl, '--device', ...extra];
// a plain OIDC issuer
const fakeDeviceArgs = (issuer: string, ...extra: string[]) => ['auth', 'login', '--issuer', issuer, '--device', ...extra];

async function userCode(cli: WaitingCli): Promise<string> {
  return (await cli.waitForStderr(/enter the code:\s+(\S+)\n/))[1]!;
}

async function accounts(box: Sandbox): Promise<Account[]> {
  const ls = await box.amplify(['auth', 'ls', '--json']);
  assert.equal(ls.code, 0, ls.stderr);
  return json<Account[]>(ls);
}

describe('device code against the local platform', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('the verification URL and user code go to stderr; approving them logs bob in', async () => {
    const cli = startCli(box, [...deviceArgs(platform.baseUrl, '--no-launch-browser'), '--platform-url', platform.platformUrl]);
    const code = await userCode(cli);
    assert.match(code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.ok(cli.stderr().includes(platform.endpoints.deviceVerification), 'the verification URL is shown');
    assert.ok(cli.stderr().includes(`user_code=${code}`), 'and the link that carries the code');
    assert.equal(cli.stdout(), '', 'nothing on stdout while waiting');
    await approveDevice(platform, code, 'bob', 'bob-pw');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in as bob@example\.com in Initech \(100003\); account amplify-cli:bob@example\.com \(default\)/);
    const [bob] = await accounts(box);
    assert.equal(bob?.name, 'amplify-cli:bob@example.com');
    assert.equal(bob?.method, 'device');
    assert.equal(bob?.org?.id, '100003');
  });

  test('without --no-launch-browser, BROWSER opens verification_uri_complete; alice approves in Chromium', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const urlFile = join(box.home, 'device-url');
    const script = join(box.home, 'fake-browser');
    await writeFile(script, `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(urlFile)}\n`, { mode: 0o755 });
    const cli = startCli(box, deviceArgs(platform.baseUrl), { BROWSER: script });
    const code = await userCode(cli);
    await cli.waitForStderr(/Opened a browser/);
    const url = await readFile(urlFile, 'utf8');
    assert.equal(new URL(url).searchParams.get('user_code'), code, 'the complete URL, code included');
    const chromium = await launchChromium();
    try {
      assert.match(await approveDeviceWithBrowser(chromium, url, 'alice', 'alice-pw'), /signed in/i);
    } finally {
      await chromium.close();
    }
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await accounts(box)).some((a) => a.name === 'amplify-cli:alice@example.com' && a.method === 'device'));
  });

  test('denied in the browser: exit 1 with the reason, nothing stored', async () => {
    const fresh = await sandbox();
    try {
      const cli = startCli(fresh, deviceArgs(platform.baseUrl, '--no-launch-browser'));
      await approveDevice(platform, await userCode(cli), 'alice', 'alice-pw', { deny: true });
      const result = await cli.done;
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^amplify: the sign-in was denied at .*: access_denied.*$/m);
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });

  test('--timeout gives up with a clear message; Ctrl-C cancels promptly; nothing stored', async () => {
    const fresh = await sandbox();
    try {
      const started = Date.now();
      const timedOut = await fresh.amplify(deviceArgs(platform.baseUrl, '--no-launch-browser', '--timeout', '2'));
      assert.equal(timedOut.code, 1);
      assert.match(timedOut.stderr, /^amplify: the device sign-in was not approved within 2 seconds; run `amplify auth login --device` again/m);
      assert.ok(Date.now() - started < 10_000);

      const cli = startCli(fresh, deviceArgs(platform.baseUrl, '--no-launch-browser'));
      await userCode(cli);
      const interrupted = Date.now();
      cli.child.kill('SIGINT');
      const result = await cli.done;
      assert.equal(result.code, 130);
      assert.match(result.stderr, /^amplify: cancelled \(Ctrl-C\); nothing was changed\.$/m);
      assert.ok(Date.now() - interrupted < 3_000, 'no waiting out the poll interval');
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });
});

type Answer = 'authorization_pending' | 'slow_down' | 'expired_token' | 'tokens';

interface FakeIssuer {
  issuer: string;
  /** When the device authorization was asked for, and when each poll came (epoch ms). */
  started: number;
  polls: number[];
  close(): Promise<void>;
}

/** Just enough of an OpenID provider to script the token endpoint's answers to device-code polls (the platform never sends slow_down). */
async function fakeIssuer(answers: Answer[], interval: number): Promise<FakeIssuer> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fake: FakeIssuer = { issuer: '', started: 0, polls: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const form = new URLSearchParams(body);
      if (path === '/realm/.well-known/openid-configuration') {
        return send(200, {
          issuer: fake.issuer,
          authorization_endpoint: `${fake.issuer}/auth`,
          token_endpoint: `${fake.issuer}/token`,
          device_authorization_endpoint: `${fake.issuer}/device`,
          jwks_uri: `${fake.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['none'],
        });
      }
      if (path === '/realm/device' && req.method === 'POST') {
        fake.started = Date.now();
        return send(200, { device_code: 'fake-device-code', user_code: 'WDJB-MJHT', verification_uri: `${fake.issuer}/verify`, expires_in: 120, interval });
      }
      if (path === '/realm/token' && req.method === 'POST') {
        fake.polls.push(Date.now());
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:device_code' || form.get('device_code') !== 'fake-device-code') return send(400, { error: 'invalid_request' });
        const answer = answers.shift() ?? 'expired_token';
        if (answer !== 'tokens') return send(400, { error: answer });
        const now = Math.floor(Date.now() / 1000);
        const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
        const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: 'fake' })}.${encode({
          iss: fake.issuer,
          aud: 'amplify-cli',
          sub: 'carol-sub',
          email: 'carol@example.com',
          name: 'Carol',
          orgs: [{ id: '900001', name: 'Fake Org' }],
          iat: now,
          exp: now + 300,
        })}`;
        const idToken = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
        return send(200, { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 3600, refresh_token: 'fake-refresh-token', id_token: idToken });
      }
      send(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realm`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fake;
}

describe('device code polling against a scripted issuer', () => {
  test('the interval is honoured, and slow_down adds 5 seconds to it', async () => {
    const fake = await fakeIssuer(['authorization_pending', 'slow_down', 'tokens'], 1);
    const box = await sandbox();
    try {
      const result = await box.amplify(fakeDeviceArgs(fake.issuer, '--no-launch-browser', '--json'), { timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(json<Account>(result).name, 'amplify-cli:carol@example.com');
      assert.equal(json<Account>(result).org?.id, '900001');
      const [first, second, third] = fake.polls;
      assert.equal(fake.polls.length, 3, 'three polls: pending, slow_down, tokens');
      assert.ok(first! - fake.started >= 950, `first poll after the 1 s interval (${first! - fake.started} ms)`);
      assert.ok(second! - first! >= 950 && second! - first! < 4_000, `authorization_pending: poll again after 1 s (${second! - first!} ms)`);
      assert.ok(third! - second! >= 5_950, `slow_down: the interval grows to 6 s (${third! - second!} ms)`);
    } finally {
      await box.cleanup();
      await fake.close();
    }
  });

  test('expired_token ends the login with a clear message, exit 1, nothing stored', async () => {
    const fake = await fakeIssuer(['expired_token'], 1);
    const box = await sandbox();
    try {
      const result = await box.amplify(fakeDeviceArgs(fake.issuer, '--no-launch-browser'), { timeoutMs: 20_000 });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^amplify: the device code expired before the sign-in was approved \(expired_token\); run `amplify auth login --device` again\.$/m);
      assert.ok(!existsSync(join(box.configDir, 'config.json')), 'nothing stored');
    } finally {
      await box.cleanup();
      await fake.close();
    }
  });
});
