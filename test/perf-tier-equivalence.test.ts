// The fast tier (helpers/amplify) and the ES module CLI (dist/amplify.js) print the same bytes and exit with the same
// codes, whether the fast tier answers a command itself or hands it over: a cached token, an expired one (a refresh),
// an account that needs a login, usage errors.
import assert from 'node:assert/strict';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loginSecret } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { ROOT, sandbox, type RunResult, type Sandbox } from './support/cli.js';

let platform: Platform;
let box: Sandbox;
let pristine: { config: string; tokens: string };

const LAUNCHER = join(ROOT, 'helpers', 'amplify');
const fast = (args: string[]): Promise<RunResult> => box.run(process.execPath, [LAUNCHER, ...args]);
const full = (args: string[]): Promise<RunResult> => box.amplify(args);
const configFile = () => join(box.configDir, 'config.json');
const tokensFile = () => join(box.configDir, 'tokens.json');
const ACCOUNT = 'sa-secret';

before(async () => {
  platform = await startPlatform({ quiet: true });
  box = await sandbox();
  await loginSecret(box, platform);
  pristine = { config: await readFile(configFile(), 'utf8'), tokens: await readFile(tokensFile(), 'utf8') };
});
after(async () => {
  await platform?.close();
  await box?.cleanup();
});
// Every test starts from the logged-in state with a valid token.
beforeEach(async () => {
  await writeFile(configFile(), pristine.config, { mode: 0o600 });
  await writeFile(tokensFile(), pristine.tokens, { mode: 0o600 });
  await chmod(tokensFile(), 0o600);
});

interface Stored {
  entries: Record<string, { accessToken?: string; accessExpiresAt?: number | null }>;
}

async function storedToken(): Promise<string | undefined> {
  return (JSON.parse(await readFile(tokensFile(), 'utf8')) as Stored).entries[`account:${ACCOUNT}`]?.accessToken;
}

/** The cached access token expired a second ago: the next token lookup refreshes. */
async function expire(): Promise<void> {
  const data = JSON.parse(await readFile(tokensFile(), 'utf8')) as Stored;
  data.entries[`account:${ACCOUNT}`]!.accessExpiresAt = Date.now() - 1000;
  await writeFile(tokensFile(), JSON.stringify(data, null, 2));
}

/** The account was refused at its last refresh: it needs a new login. */
async function needLogin(): Promise<void> {
  const config = JSON.parse(await readFile(configFile(), 'utf8')) as { accounts: Record<string, { needsLogin: boolean }> };
  config.accounts[ACCOUNT]!.needsLogin = true;
  await writeFile(configFile(), JSON.stringify(config, null, 2));
}

const same = (a: RunResult, b: RunResult, what: string): void => {
  assert.deepEqual({ code: a.code, stdout: a.stdout, stderr: a.stderr }, { code: b.code, stdout: b.stdout, stderr: b.stderr }, what);
};

/** Runs `args` on both tiers from the same state (`prepare` sets it up before each) and checks they agree. */
async function bothAgree(args: string[], prepare: () => Promise<void> = async () => undefined): Promise<RunResult> {
  await prepare();
  const onFast = await fast(args);
  await writeFile(configFile(), pristine.config);
  await writeFile(tokensFile(), pristine.tokens);
  await prepare();
  const onFull = await full(args);
  same(onFast, onFull, `amplify ${args.join(' ')}`);
  return onFast;
}

describe('a cached token: the fast tier answers, with the bytes the CLI prints', () => {
  test('auth token, --json, --account, --min-validity; whoami, --json, an account operand; ls; --version, -v', async () => {
    for (const args of [
      ['auth', 'token'],
      ['auth', 'token', '--json'],
      ['auth', 'token', '--account', ACCOUNT, '--min-validity', '30'],
      ['auth', 'token', '--min-validity=0', '--account=sa-secret', '--json'],
      ['auth', 'whoami'],
      ['auth', 'whoami', '--json'],
      ['auth', 'whoami', ACCOUNT],
      ['auth', 'ls'],
      ['auth', 'list', '--json'],
      ['--version'],
      ['-v'],
    ]) {
      const result = await bothAgree(args);
      assert.equal(result.code, 0, result.stderr);
    }
  });

  test('auth exec: the child runs once, with the same environment and exit status; a command that is not found', async () => {
    const script = 'printf "%s:%s:%s" "$AMPLIFY_ACCOUNT" "$AMPLIFY_TOKEN" "${AMPLIFY_CLIENT_SECRET-unset}"; exit 3';
    const ran = await bothAgree(['auth', 'exec', '--account', ACCOUNT, '--', 'sh', '-c', script]);
    assert.equal(ran.code, 3);
    assert.equal(ran.stdout, `${ACCOUNT}:${await storedToken()}:unset`);
    const missing = await bothAgree(['auth', 'exec', '--', 'amplify-no-such-command']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /^amplify: amplify-no-such-command.*\n$/);
  });
});

describe('an expired token: the fast tier hands over before anything is printed or run, and the refresh is made once', () => {
  for (const [label, args] of [
    ['auth token', ['auth', 'token']],
    ['auth token --json', ['auth', 'token', '--json']],
  ] as Array<[string, string[]]>) {
    test(label, async () => {
      for (const run of [fast, full]) {
        await expire();
        platform.resetStats();
        const result = await run(args);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, '');
        assert.equal(platform.stats().tokenRequests.length, 1, 'one token request');
        const fresh = await storedToken();
        assert.ok(fresh);
        assert.equal(result.stdout, args.includes('--json') ? `${JSON.stringify({ account: ACCOUNT, token: fresh, expiresAt: JSON.parse(result.stdout).expiresAt }, null, 2)}\n` : `${fresh}\n`);
      }
    });
  }

  test('auth exec: the child runs once, with the new token', async () => {
    const counter = join(box.home, 'exec-count');
    for (const run of [fast, full]) {
      await rm(counter, { force: true });
      await expire();
      platform.resetStats();
      const result = await run(['auth', 'exec', '--', 'sh', '-c', `echo run >> '${counter}'; printf %s "$AMPLIFY_TOKEN"`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal(await readFile(counter, 'utf8'), 'run\n', 'the child ran once');
      assert.equal(result.stdout, await storedToken());
      assert.equal(platform.stats().tokenRequests.length, 1);
    }
  });

  test('a token file readable by others: tightened once, by the tier that writes, and said once', async () => {
    const onFast = await bothAgree(['auth', 'token'], () => chmod(tokensFile(), 0o644));
    assert.equal(onFast.stderr.match(/was readable by others/g)?.length, 1, onFast.stderr);
    assert.equal((await stat(tokensFile())).mode & 0o777, 0o600);
  });
});

describe('an account that needs a login, an unknown account, usage errors: the same line and exit code on both tiers', () => {
  test('needs a login: token, token --json, exec (whose child never runs), whoami', async () => {
    const counter = join(box.home, 'never');
    for (const args of [
      ['auth', 'token'],
      ['auth', 'token', '--json'],
      ['auth', 'exec', '--', 'sh', '-c', `echo run > '${counter}'`],
      ['auth', 'whoami'],
      ['auth', 'whoami', '--json'],
    ]) {
      const result = await bothAgree(args, needLogin);
      if (args[1] !== 'whoami') assert.equal(result.code, 1, result.stdout);
    }
    await assert.rejects(stat(counter), 'the child of exec never ran');
  });

  test('an unknown account', async () => {
    for (const args of [
      ['auth', 'token', '--account', 'nobody'],
      ['auth', 'token', '--account', 'nobody', '--json'],
      ['auth', 'whoami', 'nobody'],
      ['auth', 'exec', '--account', 'nobody', '--', 'true'],
    ]) {
      const result = await bothAgree(args);
      assert.equal(result.code, 1, result.stderr);
    }
  });

  test('usage errors, help and flags the fast tier does not know', async () => {
    for (const args of [
      ['auth', 'token', '--min-validity', 'abc'],
      ['auth', 'token', '--min-validity', '-5'],
      ['auth', 'token', '--bogus'],
      ['auth', 'token', '--account'],
      ['auth', 'token', '--json', '--json'],
      ['auth', 'whoami', 'a', 'b'],
      ['auth', 'exec'],
      ['auth', 'exec', '--'],
      ['auth', 'ls', '--bogus'],
      ['--version', '--json'],
      ['auth', 'token', '--help'],
    ]) {
      const result = await bothAgree(args);
      if (!args.includes('--help') && !args.includes('--json')) assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });
});
