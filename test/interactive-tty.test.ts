// Prompts and pickers on a real terminal (tmux), and their plain non-terminal errors, through the real `amplify` bin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issuerFlags } from './helpers-support.js';
import { completeAuthorization } from './platform/browserless.js';
import { sharedPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import { openTerminal, tmuxMissing, type Terminal } from './support/pty.js';
import type { Account } from './support/accounts.js';

let platform: Platform;
before(async () => {
  platform = await sharedPlatform();
});
after(async () => {
  await platform?.close();
});


async function accounts(box: Sandbox): Promise<Account[]> {
  const ls = await box.amplify(['auth', 'ls', '--json']);
  assert.equal(ls.code, 0, ls.stderr);
  return json<Account[]>(ls);
}

/** Runs fn with a terminal that is always closed afterwards; skips where tmux is missing. */
async function inTerminal(t: { skip(reason: string): void }, box: Sandbox, args: string[], fn: (term: Terminal) => Promise<void>, env?: Record<string, string>): Promise<void> {
  const missing = tmuxMissing();
  if (missing) return t.skip(missing);
  const term = await openTerminal(box, args, env);
  try {
    await fn(term);
  } finally {
    await term.close();
  }
}

describe('username and password', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('--username alone asks for the username, then the password, which never shows on the screen', (t) =>
    inTerminal(t, box, ['auth', 'login', ...issuerFlags(platform), '--username'], async (term) => {
      await term.waitFor(/Username:/);
      await term.type('alice');
      await term.press('Enter');
      await term.waitFor(/Password for alice:/);
      await term.type('alice-pw');
      const typing = await term.screen();
      assert.ok(!typing.includes('alice-pw'), 'the password is hidden while typed');
      await term.press('Enter');
      assert.equal(await term.exitCode(), 0, await term.screen());
      const screen = await term.screen();
      assert.match(screen, /Logged in as alice@example\.com in Acme Corp \(100001\); account amplify-cli:alice@example\.com \(default\)/);
      assert.ok(!screen.includes('alice-pw'), 'the password never appears on the screen');
      const [alice] = await accounts(box);
      assert.equal(alice?.name, 'amplify-cli:alice@example.com');
      assert.equal(alice?.method, 'password');
    }));

  test('a wrong password typed at the prompt exits 1 with one line and stores nothing', async (t) => {
    const fresh = await sandbox();
    try {
      await inTerminal(t, fresh, ['auth', 'login', ...issuerFlags(platform), '--username', 'bob'], async (term) => {
        await term.waitFor(/Password for bob:/);
        await term.type('not-bobs-password');
        await term.press('Enter');
        assert.equal(await term.exitCode(), 1);
        const screen = await term.screen();
        assert.match(screen, /^amplify: .* refused the username or password for bob\.$/m);
        assert.ok(!screen.includes('not-bobs-password'));
      });
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });

  test('without a terminal: a wrong AMPLIFY_PASSWORD is one line, exit 1; --username with nothing to prompt on is a usage error', async () => {
    const fresh = await sandbox();
    try {
      const wrong = await fresh.amplify(['auth', 'login', ...issuerFlags(platform), '--username', 'bob'], { env: { AMPLIFY_PASSWORD: 'not-bobs-password' } });
      assert.equal(wrong.code, 1);
      assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
      assert.match(wrong.stderr, /refused the username or password for bob/);
      assert.ok(!wrong.stderr.includes('not-bobs-password'));
      assert.equal(wrong.stdout, '');
      const ask = await fresh.amplify(['auth', 'login', ...issuerFlags(platform), '--username']);
      assert.equal(ask.code, 2);
      assert.match(ask.stderr, /no terminal/);
      assert.ok(!existsSync(join(fresh.configDir, 'config.json')), 'nothing stored');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('pickers', () => {
  let box: Sandbox;
  const alice = 'amplify-cli:alice@example.com';
  const bob = 'amplify-cli:bob@example.com';
  const sa = () => platform.serviceAccounts.secret.clientId;
  /** The picker has drawn its whole list (choices load after the question line). */
  const offersAll = (screen: string) => [alice, bob, sa()].every((name) => screen.includes(name));
  before(async () => {
    box = await sandbox();
    for (const [user, password] of [
      ['alice', 'alice-pw'],
      ['bob', 'bob-pw'],
    ]) {
      const r = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--username', user!], { env: { AMPLIFY_PASSWORD: password } });
      assert.equal(r.code, 0, r.stderr);
    }
    const s = platform.serviceAccounts.secret;
    const r = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', s.clientId], { env: { AMPLIFY_CLIENT_SECRET: s.clientSecret } });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => box.cleanup());

  test('without a terminal, switch and logout are usage errors (exit 2) that list the accounts', async () => {
    const sw = await box.amplify(['auth', 'switch']);
    assert.equal(sw.code, 2);
    for (const name of [alice, bob, sa()]) assert.ok(sw.stderr.includes(name), `switch lists ${name}`);
    const out = await box.amplify(['auth', 'logout']);
    assert.equal(out.code, 2);
    for (const name of [alice, bob, sa()]) assert.ok(out.stderr.includes(name), `logout lists ${name}`);
    assert.equal((await accounts(box)).length, 3, 'nobody logged out');
  });

  test('switch asks for the account, then the organization: typing filters, Enter picks', (t) =>
    inTerminal(t, box, ['auth', 'switch'], async (term) => {
      await term.waitFor(offersAll, 20_000);
      await term.type('alice');
      await term.waitFor((screen) => !screen.includes(bob) && !screen.includes(sa()) && screen.includes(alice));
      await term.press('Enter');
      await term.waitFor(/Organization/);
      await term.type('glob');
      await term.waitFor((screen) => screen.includes('Globex (100002)') && !screen.includes('Acme Corp (100001)'));
      await term.press('Enter');
      assert.equal(await term.exitCode(), 0, await term.screen());
      const now = (await accounts(box)).find((a) => a.default);
      assert.equal(now?.name, alice);
      assert.equal(now?.org?.id, '100002');
    }));

  test('switch with the arrow keys: Down, Down, Enter picks the third account (one org: no org question)', (t) =>
    inTerminal(t, box, ['auth', 'switch'], async (term) => {
      await term.waitFor(offersAll, 20_000);
      await term.press('Down');
      await term.press('Down');
      await term.press('Enter');
      assert.equal(await term.exitCode(), 0, await term.screen());
      assert.equal((await accounts(box)).find((a) => a.default)?.name, sa());
    }));

  test('Ctrl-C in the picker cancels and changes nothing', (t) =>
    inTerminal(t, box, ['auth', 'switch'], async (term) => {
      const before = await readFile(join(box.configDir, 'config.json'));
      await term.waitFor(/Account/);
      await term.press('C-c');
      // One rule for Ctrl-C, at a prompt as in the browser wait: exit 130, the same words.
      assert.equal(await term.exitCode(), 130);
      assert.match(await term.screen(), /^amplify: cancelled \(Ctrl-C\); nothing was changed\.$/m);
      assert.ok(before.equals(await readFile(join(box.configDir, 'config.json'))), 'config.json untouched');
    }));

  test('logout with several accounts asks which; the one picked is logged out', (t) =>
    inTerminal(t, box, ['auth', 'logout'], async (term) => {
      await term.waitFor((screen) => /Log out which account\?/.test(screen) && offersAll(screen), 20_000);
      await term.type('bob');
      await term.waitFor((screen) => screen.includes(bob) && !screen.includes(alice));
      await term.press('Enter');
      assert.equal(await term.exitCode(), 0, await term.screen());
      assert.match(await term.screen(), /Logged out amplify-cli:bob@example\.com/);
      assert.deepEqual((await accounts(box)).map((a) => a.name).sort(), [alice, sa()].sort());
    }));
});

// A plain OIDC client's browser login, on 127.0.0.1 and a port of its own: an Amplify deployment's comes back to port 3000,
// which is the machine's one and belongs to the files holding test/support/port3000.ts's lock.
const plainOidc = (): string[] => ['--issuer', platform.issuer, '--client-id', platform.genericClientId];

describe('browser login on a terminal', () => {
  test('a progress line shows while waiting and is cleared once the login completes', async (t) => {
    const box = await sandbox();
    try {
      const urlFile = join(box.home, 'browser-url');
      const script = join(box.home, 'fake-browser');
      await writeFile(script, `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(urlFile)}\n`, { mode: 0o755 });
      await inTerminal(
        t,
        box,
        ['auth', 'login', ...plainOidc()],
        async (term) => {
          await term.waitFor(/Waiting for the sign-in in the browser \(Ctrl-C to cancel\)/);
          const callback = await completeAuthorization(await readFile(urlFile, 'utf8'), 'alice', 'alice-pw');
          const page = await fetch(callback);
          assert.equal(page.status, 200);
          await page.text();
          assert.equal(await term.exitCode(), 0, await term.screen());
          const screen = await term.screen();
          assert.match(screen, /Logged in as alice@example\.com/);
          assert.ok(!screen.includes('Waiting for the sign-in'), 'the progress line is cleared');
        },
        { BROWSER: script },
      );
    } finally {
      await box.cleanup();
    }
  });

  test('Ctrl-C at the terminal while waiting for the browser cancels: exit 130, nothing stored', async (t) => {
    const box = await sandbox();
    try {
      await inTerminal(t, box, ['auth', 'login', ...plainOidc(), '--no-launch-browser'], async (term) => {
        await term.waitFor(/Waiting for the sign-in in the browser/);
        await term.press('C-c');
        assert.equal(await term.exitCode(), 130);
        assert.match(await term.screen(), /^amplify: cancelled \(Ctrl-C\); nothing was changed\.$/m);
      });
      assert.ok(!existsSync(join(box.configDir, 'config.json')), 'nothing stored');
    } finally {
      await box.cleanup();
    }
  });
});
