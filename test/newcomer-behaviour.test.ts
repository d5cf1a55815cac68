// A newcomer's first hour, behaviour: flags that mean nothing are refused, hints that work as written, ls that shows
// what the store holds, both ways of naming an account, one Ctrl-C rule, tables that fit, through the real bins.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GIT_HELPER, helper, issuerFlags, loginKey, loginSecret, mustRun } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { HELPERS, json, ROOT, sandbox, type Sandbox } from './support/cli.js';
import { openTerminal, tmuxMissing } from './support/pty.js';
import type { Account } from './support/accounts.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const LAUNCHER = join(HELPERS, 'amplify');
const tokenRequests = () => platform.stats().tokenRequests.length;
const gitRequest = () => `protocol=http\nhost=127.0.0.1:${platform.port}\n\n`;

async function withBox(fn: (box: Sandbox) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const box = await sandbox(env);
  try {
    await fn(box);
  } finally {
    await box.cleanup();
  }
}

describe('flags that would be ignored are usage errors', () => {
  test('--password without --username: exit 2 at once, no browser login', () =>
    withBox(async (box) => {
      const out = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--password', 'x'], { timeoutMs: 20_000 });
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /--password goes with --username/);
    }));

  test('an exported AMPLIFY_PASSWORD alone stays ignored', () =>
    withBox(async (box) => {
      const sa = platform.serviceAccounts.secret;
      const out = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', sa.clientId, '--json'], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret, AMPLIFY_PASSWORD: 'stray' } });
      assert.equal(out.code, 0, out.stderr);
    }));

  test('--username= (empty) is refused, not sent to the issuer', () =>
    withBox(async (box) => {
      platform.resetStats();
      const out = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--username=', '--password', 'x']);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /--username= is empty/);
      assert.equal(tokenRequests(), 0);
    }));

  test('setup git --host with a path is refused', () =>
    withBox(async (box) => {
      const out = await box.amplify(['auth', 'setup', 'git', '--host', 'git.example.com/team/repo']);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /has a path.*\(git\.example\.com\)/);
    }));
});

describe('amplify help <command> <arguments> only ever helps', () => {
  test('help with a command\'s arguments runs nothing: no token printed, nobody logged out', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      const name = platform.serviceAccounts.secret.clientId;
      for (const args of [['help', 'auth', 'token', '--account', name], ['help', 'auth', 'logout', name]]) {
        const out = await box.amplify(args);
        assert.equal(out.code, 2, `${args.join(' ')}: ${out.stdout}${out.stderr}`);
        assert.equal(out.stdout, '', args.join(' '));
        assert.match(out.stderr, /`amplify help` takes a command's name, not its arguments/);
      }
      const token = await mustRun(box, ['auth', 'token']);
      assert.ok(token.stdout.trim().length > 20, 'still logged in');
    }));
});

describe('logging out the default account while several remain', () => {
  test('the next account becomes the default, and the logout says so', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      await loginKey(box, platform, platform.serviceAccounts.rsa);
      await loginKey(box, platform, platform.serviceAccounts.ec);
      const out = await mustRun(box, ['auth', 'logout', platform.serviceAccounts.secret.clientId]);
      assert.match(out.stdout, new RegExp(`The default account is now ${platform.serviceAccounts.ec.clientId}; to choose another: amplify auth switch --account <name>`));
      const who = await mustRun(box, ['auth', 'whoami', '--json']);
      assert.equal(json<Account>(who).name, platform.serviceAccounts.ec.clientId);
    }));
});

describe('re-login hints work as written', () => {
  test('a password account on a confidential client: the hint works without the client secret (the stored one is used)', () =>
    withBox(async (box) => {
      const alice = platform.people.find((p) => p.username === 'alice')!;
      const { clientId, clientSecret } = platform.confidentialClient;
      await mustRun(box, ['auth', 'login', ...issuerFlags(platform), '--client-id', clientId, '--username', 'alice'], { AMPLIFY_CLIENT_SECRET: clientSecret, AMPLIFY_PASSWORD: alice.password });
      await platform.revokeGrantsFor('alice');
      const refused = await box.amplify(['auth', 'token', '--min-validity', '999999']);
      assert.equal(refused.code, 1);
      const hint = /run `([^`]+)`/.exec(refused.stderr)?.[1];
      assert.ok(hint, refused.stderr);
      assert.doesNotMatch(hint, /--client-secret/);
      const args = hint.replace(/^amplify /, '').split(' ');
      const again = await box.amplify(args, { env: { AMPLIFY_PASSWORD: alice.password } });
      assert.equal(again.code, 0, `${hint}: ${again.stderr}`);
      assert.ok(!(again.stdout + again.stderr).includes(clientSecret));
      await mustRun(box, ['auth', 'token']);
    }));

  test('a service account: the hint puts the secret in the environment, never --client-secret in argv', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      const file = join(box.configDir, 'tokens.json');
      const store = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, { clientSecret?: string; accessToken?: string }> };
      const entry = store.entries[`account:${platform.serviceAccounts.secret.clientId}`]!;
      entry.clientSecret = 'changed-since';
      delete entry.accessToken;
      await writeFile(file, JSON.stringify(store));
      const out = await box.amplify(['auth', 'token']);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /`AMPLIFY_CLIENT_SECRET=\*\*\* amplify auth login .*--client-id sa-secret/);
      assert.doesNotMatch(out.stderr, /--client-secret/);
    }));

  test('a git binding whose account was logged out: quit=1 and the login command; setup lists it as stale', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      await loginKey(box, platform, platform.serviceAccounts.rsa);
      await mustRun(box, ['auth', 'setup', 'git', '--host', `127.0.0.1:${platform.port}`, '--account', platform.serviceAccounts.rsa.clientId]);
      await mustRun(box, ['auth', 'logout', platform.serviceAccounts.rsa.clientId]);
      const get = await helper(box, GIT_HELPER, 'get', gitRequest());
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, /^quit=1$/m);
      assert.match(get.stderr, /sa-rsa was logged out: run `amplify auth login .*--client-id sa-rsa --secret-file <key\.pem>/);
      const list = await mustRun(box, ['auth', 'setup']);
      assert.match(list.stdout, /stale: its account sa-rsa is logged out: run `amplify auth login .*`, or bind another with `amplify auth setup git --host 127\.0\.0\.1:\d+ --account <name>`/);
    }));
});

describe('already logged in', () => {
  test('--username alice is recognised when the account is named by email', () =>
    withBox(async (box) => {
      const env = { AMPLIFY_PASSWORD: 'alice-pw' };
      await mustRun(box, ['auth', 'login', ...issuerFlags(platform), '--username', 'alice'], env);
      const before = tokenRequests();
      const again = await mustRun(box, ['auth', 'login', ...issuerFlags(platform), '--username', 'alice'], env);
      assert.match(again.stdout, /Already logged in as amplify-cli:alice@example\.com/);
      assert.equal(tokenRequests(), before, 'no new tokens');
    }));
});

describe('ls shows what the token store holds', () => {
  test('AMPLIFY_TOKEN_STORE=memory: after the login process, ls says the account needs a login', () =>
    withBox(
      async (box) => {
        await loginSecret(box, platform);
        for (const run of [() => box.amplify(['auth', 'ls']), () => box.run(process.execPath, [LAUNCHER, 'auth', 'ls'])]) {
          const out = await run();
          assert.equal(out.code, 0, out.stderr);
          assert.match(out.stdout, /needs login/);
          assert.doesNotMatch(out.stdout, /in \d+[mh]/);
        }
        const ls = json<Account[]>(await mustRun(box, ['auth', 'ls', '--json']));
        assert.equal(ls[0]!.needsLogin, true);
        assert.equal(ls[0]!.expires.access, null);
      },
      { AMPLIFY_TOKEN_STORE: 'memory' },
    ));

  test('a missing tokens.json: the same', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      await rm(join(box.configDir, 'tokens.json'));
      const out = await box.run(process.execPath, [LAUNCHER, 'auth', 'ls']);
      assert.match(out.stdout, /needs login/);
    }));

  test('AMPLIFY_TOKEN_STORE=bogus: one line naming the valid stores, exit 1', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      const env = { AMPLIFY_TOKEN_STORE: 'bogus' };
      for (const run of [() => box.amplify(['auth', 'ls'], { env }), () => box.run(process.execPath, [LAUNCHER, 'auth', 'ls'], { env })]) {
        const out = await run();
        assert.equal(out.code, 1, out.stdout);
        assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
        assert.match(out.stderr, /AMPLIFY_TOKEN_STORE is "bogus"; use keyring, file or memory/);
      }
    }));
});

describe('naming an account: as an argument or with --account', () => {
  test('whoami, token and switch take both', () =>
    withBox(async (box) => {
      await loginSecret(box, platform);
      await loginKey(box, platform, platform.serviceAccounts.rsa);
      const rsa = platform.serviceAccounts.rsa.clientId;
      assert.equal(json<Account>(await mustRun(box, ['auth', 'whoami', '--account', rsa, '--json'])).name, rsa);
      assert.equal(json<Account>(await mustRun(box, ['auth', 'whoami', rsa, '--json'])).name, rsa);
      assert.equal((await mustRun(box, ['auth', 'token', rsa])).stdout, (await mustRun(box, ['auth', 'token', '--account', rsa])).stdout);
      await mustRun(box, ['auth', 'switch', rsa]);
      assert.equal(json<Account>(await mustRun(box, ['auth', 'whoami', '--json'])).name, rsa);
      const both = await box.amplify(['auth', 'whoami', rsa, '--account', 'sa-secret']);
      assert.equal(both.code, 2, both.stderr);
    }));
});

describe('the ls table', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
    await mustRun(box, ['auth', 'login', ...issuerFlags(platform), '--username', 'alice'], { AMPLIFY_PASSWORD: 'alice-pw' });
    await loginSecret(box, platform);
    await loginKey(box, platform, platform.serviceAccounts.rsa);
  });
  after(async () => box.cleanup());

  test('fits 80 columns (COLUMNS=80), by the bin and by its fast tier', async () => {
    for (const run of [() => box.amplify(['auth', 'ls'], { env: { COLUMNS: '80' } }), () => box.run(process.execPath, [LAUNCHER, 'auth', 'ls'], { env: { COLUMNS: '80' } })]) {
      const out = await run();
      assert.equal(out.code, 0, out.stderr);
      const lines = out.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 4, out.stdout);
      for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
      assert.match(out.stdout, /amplify-cli:alice@example\.com/, 'account names are never cut');
    }
  });

  test('colour on a terminal, none with NO_COLOR, none in a pipe even with FORCE_COLOR, none in JSON', async (t) => {
    const piped = await box.amplify(['auth', 'ls'], { env: { FORCE_COLOR: '1' } });
    assert.doesNotMatch(piped.stdout, /\x1b\[/);
    const missing = tmuxMissing();
    if (missing) return t.skip(missing);
    for (const [args, env, coloured] of [
      [['auth', 'ls'], {}, true],
      [['auth', 'ls'], { NO_COLOR: '1' }, false],
      [['auth', 'ls', '--json'], {}, false],
    ] as const) {
      const term = await openTerminal(box, [...args], env);
      try {
        assert.equal(await term.exitCode(), 0);
        const screen = await term.screen({ escapes: true });
        assert.match(screen, /sa-secret/);
        assert.equal(/\x1b\[(3[12]|1)m/.test(screen), coloured, `${args.join(' ')} ${JSON.stringify(env)}:\n${screen}`);
      } finally {
        await term.close();
      }
    }
  });
});

describe('the browser launch', () => {
  // A plain OIDC client, on a port of its own: port 3000 belongs to the files holding test/support/port3000.ts's lock.
  test('"Opened a browser" only when the launch worked: BROWSER=false says it could not open one', () =>
    withBox(async (box) => {
      const out = await box.amplify(['auth', 'login', '--issuer', platform.issuer, '--client-id', platform.genericClientId, '--timeout', '3'], { env: { BROWSER: 'false' } });
      assert.equal(out.code, 1);
      assert.doesNotMatch(out.stderr, /Opened a browser/);
      assert.match(out.stderr, /Could not open a browser/);
      assert.match(out.stderr, /Open this URL in a browser/);
    }));
});

describe('npm run platform', () => {
  test('the suggested service-account login has its secret in the environment form; the runtime warning is said once, as the test IdP\'s', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'platform', 'cli.ts'), '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('Press Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(stdout, /^ {2}AMPLIFY_CLIENT_SECRET=\S+ amplify auth login .*--client-id sa-secret$/m);
      assert.doesNotMatch(stdout, /amplify auth login .*--client-secret/);
      assert.doesNotMatch(stderr, /oidc-provider WARNING/);
      if (!process.release.lts || process.release.lts < 'Jod') assert.equal(stderr.match(/test identity provider, asks for Node 22/g)?.length, 1, stderr);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});
