// Browser logins (authorization code + PKCE) through the real `amplify` bin: headless Chromium, the loopback server, timeouts and kills.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { Browser, completeAuthorization } from './platform/browserless.js';
import { startPlatform, type Platform } from './platform/index.js';
import { chromiumMissing, launchChromium, signInWithBrowser, startCli, type WaitingCli } from './support/browser.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import { holdPort3000 } from './support/port3000.js';

interface Account {
  name: string;
  default: boolean;
  method: string;
  org: { id: string; name: string } | null;
  orgs: Array<{ id: string }>;
  user: { email: string | null };
}

let platform: Platform;
// This file logs in on localhost:3000, which is one for the machine: test/support/port3000.ts.
let port3000: Awaited<ReturnType<typeof holdPort3000>> | undefined;
before(async () => {
  port3000 = await holdPort3000();
});
after(async () => port3000?.release());
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/Broker\/protocol\/openid-connect\/auth\?\S+)/;
const loginArgs = (...extra: string[]) => ['auth', 'login', '--base-url', platform.baseUrl, ...extra];
/** The Amplify redirect: localhost, /callback/<request id>; port 3000 unless it was taken, which the CLI then says. */
function assertAmplifyRedirect(redirect: URL, stderr: string): void {
  assert.equal(redirect.protocol, 'http:');
  assert.equal(redirect.hostname, 'localhost');
  assert.match(redirect.pathname, /^\/callback\/[0-9A-F]{8}$/);
  // Test files run two at a time, and another may hold 3000 for a moment: then the fallback and its warning.
  if (redirect.port !== '3000') assert.match(stderr, new RegExp(`port 3000 is in use, so the browser will come back to http://localhost:${redirect.port}/callback/`));
}

async function authorizationUrl(cli: WaitingCli): Promise<URL> {
  return new URL((await cli.waitForStderr(URL_PATTERN))[1]!);
}

const codeRedemptions = () => platform.stats().tokenRequests.filter((r) => r.grantType === 'authorization_code');

async function accounts(box: Sandbox): Promise<Account[]> {
  const ls = await box.amplify(['auth', 'ls', '--json']);
  assert.equal(ls.code, 0, ls.stderr);
  return json<Account[]>(ls);
}

/** Every file under the config dir, by path, as a digest (never the contents: they hold tokens). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    out[path.slice(dir.length)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

describe('PKCE in headless Chromium', () => {
  let chromium: Chromium | undefined;
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
    if (!chromiumMissing()) chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await box.cleanup();
  });

  test('--no-launch-browser prints the URL on stderr; alice signs in in Chromium and the account is stored', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const redemptionsBefore = codeRedemptions().length;
    const cli = startCli(box, loginArgs('--no-launch-browser'));
    const url = await authorizationUrl(cli);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 22, 'a random state');
    assert.ok((url.searchParams.get('nonce') ?? '').length >= 22, 'a random nonce');
    assert.equal(url.searchParams.get('client_id'), 'amplify-cli');
    assert.equal(url.searchParams.get('scope'), 'openid', "the platform CLI's scope: no offline_access");
    const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
    assertAmplifyRedirect(redirect, cli.stderr());
    assert.equal(cli.stdout(), '', 'nothing on stdout while waiting');

    const landed = await signInWithBrowser(chromium!, url.href, 'alice', 'alice-pw');
    assert.equal(new URL(landed.url).origin, redirect.origin, 'Chromium landed on the localhost callback');
    assert.equal(new URL(landed.url).pathname, redirect.pathname);
    assert.match(landed.text, /login worked/i);
    assert.match(landed.text, /close this tab/i);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in as alice@example\.com in Acme Corp \(100001\); account amplify-cli:alice@example\.com \(default\)/);
    assert.ok(!result.stdout.includes(url.href), 'the URL never goes to stdout');
    assert.ok(!/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|\r/.test(result.stderr), 'no spinner when stderr is not a terminal');

    const [alice] = await accounts(box);
    assert.equal(alice?.name, 'amplify-cli:alice@example.com');
    assert.equal(alice?.method, 'pkce');
    assert.equal(alice?.default, true);
    assert.equal(alice?.org?.id, '100001', "the selected org is the person's default org");
    assert.deepEqual(alice?.orgs.map((o) => o.id), ['100001', '100002']);
    assert.deepEqual(codeRedemptions().slice(redemptionsBefore).map((r) => r.status), [200], 'one code redemption');
  });

  test('BROWSER names a script that receives the URL; bob signs in and is not made the default', async (t) => {
    const missing = chromiumMissing();
    if (missing) return t.skip(missing);
    const urlFile = join(box.home, 'browser-url');
    const script = join(box.home, 'fake-browser');
    await writeFile(script, `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(urlFile)}\n`, { mode: 0o755 });
    const cli = startCli(box, loginArgs(), { BROWSER: script });
    await cli.waitForStderr(/Opened a browser/);
    // the launcher is not waited for: under load its script may write a moment later
    for (let waited = 0; !existsSync(urlFile) && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const url = await readFile(urlFile, 'utf8');
    assert.match(url, URL_PATTERN);
    const landed = await signInWithBrowser(chromium!, url, 'bob', 'bob-pw');
    assert.match(landed.text, /login worked/i);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /To make it the default: amplify auth switch --account amplify-cli:bob@example\.com/);
    const names = (await accounts(box)).map((a) => `${a.name}${a.default ? ' (default)' : ''}`).sort();
    assert.deepEqual(names, ['amplify-cli:alice@example.com (default)', 'amplify-cli:bob@example.com']);
  });
});

describe('the loopback callback server', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('a wrong or missing state is turned away without ending the wait; the right one completes once, then the server is gone', async () => {
    const redemptionsBefore = codeRedemptions().length;
    const cli = startCli(box, loginArgs('--no-launch-browser'));
    const url = await authorizationUrl(cli);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    const callback = (params: Record<string, string>) => fetch(`${redirect.href}?${new URLSearchParams(params)}`);

    const wrong = await callback({ code: 'forged', state: 'not-the-state' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /does not match/);
    const missing = await callback({ code: 'forged' });
    assert.equal(missing.status, 400);
    await missing.text();
    const elsewhere = await fetch(new URL('/favicon.ico', redirect));
    assert.equal(elsewhere.status, 404);
    await elsewhere.text();
    const otherAddress = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (otherAddress) {
      await assert.rejects(fetch(`http://${otherAddress.address}:${redirect.port}/callback`), 'bound to 127.0.0.1 only');
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(cli.child.exitCode, null, 'still waiting after the bad callbacks');
    assert.equal(codeRedemptions().length, redemptionsBefore, 'a bad callback never reaches the issuer');

    const good = await completeAuthorization(url.href, 'alice', 'alice-pw');
    const answer = await fetch(good);
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /close this tab/);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    const again = await fetch(good).then(
      async (r) => `HTTP ${r.status}: ${(await r.text()).slice(0, 200)}`,
      () => undefined,
    );
    assert.equal(again, undefined, `a second callback finds the server closed, but ${new URL(good).origin} answered (another login on the port?)`);
    assert.equal(codeRedemptions().length, redemptionsBefore + 1, 'one code redemption');
    assert.deepEqual((await accounts(box)).map((a) => a.name), ['amplify-cli:alice@example.com']);
  });

  test('the person cancels at the issuer: error=access_denied ends the login with exit 1 and that reason, storing nothing', async () => {
    const fresh = await sandbox();
    try {
      const cli = startCli(fresh, loginArgs('--no-launch-browser'));
      const url = await authorizationUrl(cli);
      const browser = new Browser();
      const signIn = await browser.visit(url.href);
      assert.equal(signIn.kind, 'page');
      const abort = /href="(\/interaction\/[\w-]+\/abort)"/.exec(signIn.kind === 'page' ? signIn.html : '')?.[1];
      assert.ok(abort, 'the sign-in page has a Cancel link');
      const left = await browser.visit(new URL(abort, url), {}, url.origin);
      assert.equal(left.kind, 'left');
      assert.equal(left.url.searchParams.get('error'), 'access_denied');
      const page = await fetch(left.url);
      assert.equal(page.status, 400);
      assert.match(await page.text(), /Sign-in failed[\s\S]*access_denied/);
      const result = await cli.done;
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^amplify: the sign-in was denied at .*: access_denied.*$/m);
      assert.equal(result.stderr.trim().split('\n').at(-1)?.startsWith('amplify: '), true);
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });

  test('--timeout gives up with a clear message, exit 1, nothing stored', async () => {
    const fresh = await sandbox();
    try {
      const started = Date.now();
      const result = await fresh.amplify(loginArgs('--no-launch-browser', '--timeout', '1'));
      assert.equal(result.code, 1);
      assert.ok(Date.now() - started < 10_000, 'it does not hang after the timeout');
      assert.match(result.stderr, /^amplify: no sign-in came back from the browser within 1 second; run `amplify auth login` again/m);
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('killing the CLI while it waits for the browser', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
    const sa = platform.serviceAccounts.secret;
    const first = await box.amplify(loginArgs('--client-id', sa.clientId), { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    assert.equal(first.code, 0, first.stderr);
  });
  after(async () => box.cleanup());

  for (const [signal, expected] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGKILL', null],
  ] as const) {
    test(`${signal} leaves config.json and the token store byte-identical`, async () => {
      const before = await snapshot(box.configDir);
      assert.ok(Object.keys(before).some((f) => f.endsWith('config.json')) && Object.keys(before).some((f) => f.endsWith('tokens.json')), 'a config and a store to protect');
      const cli = startCli(box, loginArgs('--no-launch-browser'));
      const url = await authorizationUrl(cli);
      const redirect = new URL(url.searchParams.get('redirect_uri')!);
      cli.child.kill(signal);
      const result = await cli.done;
      if (expected === null) assert.equal(result.signal, 'SIGKILL');
      else {
        assert.equal(result.code, expected, result.stderr);
        assert.match(result.stderr, /^amplify: cancelled \((Ctrl-C|SIGTERM)\); nothing was changed\.$/m);
      }
      assert.deepEqual(await snapshot(box.configDir), before);
      await assert.rejects(fetch(redirect), 'the callback server went with it');
    });
  }
});
