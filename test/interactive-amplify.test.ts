// Where the browser comes back to: localhost:3000/callback/<id> for an Amplify deployment (the only form the platform
// takes), RFC 8252's 127.0.0.1 for any other issuer, and --redirect-uri; headless Chromium and plain HTTP as the browser.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { completeAuthorization } from './platform/browserless.js';
import { startPlatform, type Platform } from './platform/index.js';
import { chromiumMissing, launchChromium, signInWithBrowser, startCli, withPage, type WaitingCli } from './support/browser.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import { holdPort3000 } from './support/port3000.js';

let platform: Platform;
let chromium: Chromium | undefined;
// This file logs in on localhost:3000, which is one for the machine: test/support/port3000.ts.
let port3000: Awaited<ReturnType<typeof holdPort3000>> | undefined;
before(async () => {
  port3000 = await holdPort3000();
});
after(async () => port3000?.release());
before(async () => {
  platform = await startPlatform({ quiet: true });
  if (!chromiumMissing()) chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await platform?.close();
});

const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/Broker\/protocol\/openid-connect\/auth\?\S+)/;

async function authorizationUrl(cli: WaitingCli): Promise<URL> {
  return new URL((await cli.waitForStderr(URL_PATTERN))[1]!);
}

const redirectOf = (url: URL): URL => new URL(url.searchParams.get('redirect_uri') ?? '');

function hold(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

/** Whether 3000 is free on both loopback addresses (other test files log in to Amplify too, for a moment each). */
async function port3000Free(): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const v4 = await hold(3000, '127.0.0.1');
    const v6 = v4 && (await hold(3000, '::1'));
    v4?.close();
    v6?.close();
    if (v4 && v6) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** A GET to the callback server at one address, with the Host a browser at localhost sends. */
function getAt(address: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, headers: { host: `localhost:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('an Amplify deployment (--base-url): http://localhost:3000/callback/<request id>', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('Chromium signs in and lands on http://localhost:3000/callback/<id>; scope openid; no warning', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    if (!(await port3000Free())) return t.skip('port 3000 is held by another process on this machine');
    const cli = startCli(box, ['auth', 'login', '--base-url', platform.baseUrl, '--no-launch-browser']);
    const url = await authorizationUrl(cli);
    assert.equal(url.searchParams.get('scope'), 'openid');
    assert.match(redirectOf(url).href, /^http:\/\/localhost:3000\/callback\/[0-9A-F]{8}$/);
    const landed = await signInWithBrowser(chromium!, url.href, 'alice', 'alice-pw');
    assert.match(landed.url, /^http:\/\/localhost:3000\/callback\/[0-9A-F]{8}\?/);
    assert.match(landed.text, /login worked/i);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /is in use/);
    assert.match(result.stdout, /Logged in as alice@example\.com in Acme Corp/);
  });

  test('with port 3000 taken the login still works on the next free port, and says the platform may refuse it', async () => {
    // Held here on both addresses (where something else holds it already, it is taken all the same).
    const held = [await hold(3000, '127.0.0.1'), await hold(3000, '::1')];
    try {
      const cli = startCli(box, ['auth', 'login', '--base-url', platform.baseUrl, '--no-launch-browser', '--force']);
      const url = await authorizationUrl(cli);
      const redirect = redirectOf(url);
      assert.equal(redirect.hostname, 'localhost');
      assert.notEqual(redirect.port, '3000');
      assert.match(cli.stderr(), new RegExp(`amplify: warning: port 3000 is in use, so the browser will come back to http://localhost:${redirect.port}/callback/[0-9A-F]{8}; the platform may refuse that address`));
      const callback = await completeAuthorization(url.href, 'alice', 'alice-pw');
      const answer = await fetch(callback);
      assert.equal(answer.status, 200);
      await answer.text();
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
    } finally {
      for (const server of held) server?.close();
    }
  });

  test('the callback server answers on 127.0.0.1 and on ::1 (localhost may be either), and only for Host localhost:<port>', async () => {
    const cli = startCli(box, ['auth', 'login', '--base-url', platform.baseUrl, '--no-launch-browser', '--force']);
    const redirect = redirectOf(await authorizationUrl(cli));
    const port = Number(redirect.port);
    for (const address of ['127.0.0.1', '::1']) {
      const answer = await getAt(address, port, `${redirect.pathname}?code=x&state=wrong`);
      assert.equal(answer.status, 400, address);
      assert.match(answer.body, /does not match/, `${address} reached the callback handler`);
    }
    const foreignHost = await fetch(`http://127.0.0.1:${port}${redirect.pathname}?code=x&state=wrong`);
    assert.equal(foreignHost.status, 400);
    assert.match(await foreignHost.text(), /only answers at http:\/\/localhost:/);
    const otherPath = await getAt('127.0.0.1', port, '/callback?code=x&state=wrong');
    assert.equal(otherPath.status, 404, 'only /callback/<this request id>');
    cli.child.kill('SIGTERM');
    await cli.done;
  });
});

describe('any other issuer (--issuer)', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('amplify-cli at --issuer sends the old http://127.0.0.1:<port>/callback, and the platform refuses it as the real one does', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const cli = startCli(box, ['auth', 'login', '--issuer', platform.issuer, '--no-launch-browser']);
    const url = await authorizationUrl(cli);
    assert.match(redirectOf(url).href, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const page = await withPage(chromium!, async (p) => {
      const response = await p.goto(url.href);
      return { status: response?.status(), text: await p.innerText('body') };
    });
    assert.equal(page.status, 400);
    assert.match(page.text, /Invalid parameter: redirect_uri/);
    cli.child.kill('SIGTERM');
    await cli.done;
  });

  test('a plain OIDC client keeps RFC 8252: 127.0.0.1, a random port, /callback, scope openid offline_access; Chromium signs in', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const cli = startCli(box, ['auth', 'login', '--issuer', platform.issuer, '--client-id', platform.genericClientId, '--no-launch-browser']);
    const url = await authorizationUrl(cli);
    assert.equal(url.searchParams.get('scope'), 'openid offline_access');
    const redirect = redirectOf(url);
    assert.equal(redirect.hostname, '127.0.0.1');
    assert.equal(redirect.pathname, '/callback');
    assert.notEqual(redirect.port, '3000');
    const landed = await signInWithBrowser(chromium!, url.href, 'bob', 'bob-pw');
    assert.match(landed.url, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /account oidc-cli:bob@example\.com/);
  });

  test('--redirect-uri names the registered redirect (port 0 = any free one) and later logins reuse it', async () => {
    const fresh = await sandbox();
    try {
      const args = ['auth', 'login', '--issuer', platform.issuer, '--client-id', platform.genericClientId, '--no-launch-browser'];
      const first = startCli(fresh, [...args, '--redirect-uri', 'http://[::1]:0/callback']);
      const firstUrl = await authorizationUrl(first);
      assert.match(redirectOf(firstUrl).href, /^http:\/\/\[::1\]:\d+\/callback$/);
      const answer = await fetch(await completeAuthorization(firstUrl.href, 'alice', 'alice-pw'));
      assert.equal(answer.status, 200);
      await answer.text();
      assert.equal((await first.done).code, 0);

      const again = startCli(fresh, [...args, '--force']);
      const againUrl = await authorizationUrl(again);
      assert.match(redirectOf(againUrl).href, /^http:\/\/\[::1\]:\d+\/callback$/, 'kept with the account');
      const second = await fetch(await completeAuthorization(againUrl.href, 'alice', 'alice-pw'));
      assert.equal(second.status, 200);
      await second.text();
      assert.equal((await again.done).code, 0);

      const bad = await fresh.amplify([...args, '--redirect-uri', 'https://example.com/callback']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--redirect-uri "https:\/\/example\.com\/callback" must be a loopback http:\/\/ URL/);
      assert.equal(json<unknown[]>(await fresh.amplify(['auth', 'ls', '--json'])).length, 1);
    } finally {
      await fresh.cleanup();
    }
  });
});
