// Files and locks: corrupt or unreadable files are reported by name and left as they are; locks of killed holders are broken in bounded time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startPlatform, type Platform } from './platform/index.js';
import { AMPLIFY_BIN, json, ROOT, sandbox, type RunResult, type Sandbox } from './support/cli.js';

/** The stale time of src/store/files.ts: a lock whose holder stopped updating it for this long is broken. */
const LOCK_STALE_MS = 5_000;

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => platform?.close());

async function loggedIn(): Promise<Sandbox> {
  const box = await sandbox();
  const sa = platform.serviceAccounts.secret;
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--platform-url', platform.platformUrl, '--client-id', sa.clientId], {
    env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret },
  });
  assert.equal(out.code, 0, out.stderr);
  const bind = await box.amplify(['auth', 'setup', 'git', '--host', `127.0.0.1:${platform.port}`]);
  assert.equal(bind.code, 0, bind.stderr);
  return box;
}

const gitGet = (box: Sandbox) => box.run('git-credential-amplify', ['get'], { input: `protocol=http\nhost=127.0.0.1:${platform.port}\n\n` });

/** Exit 1 (never 0), one line naming the file, no stack trace. */
function assertNamed(result: RunResult, file: string, what: string): void {
  assert.notEqual(result.code, 0, `${what}: must fail\n${result.stdout}${result.stderr}`);
  assert.ok(result.stderr.includes(file) || result.stdout.includes(file), `${what}: names ${file}\n${result.stderr}${result.stdout}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, `${what}: no stack trace`);
  assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line\n${result.stderr}`);
}

describe('a corrupt file is reported by name and left unchanged', () => {
  test('config.json that does not parse', async () => {
    const box = await loggedIn();
    try {
      const file = join(box.configDir, 'config.json');
      const garbage = Buffer.from('{"version":1,"auth":{"defaultAccount":"sa-secret"},"accounts":{"sa-sec');
      await writeFile(file, garbage);
      const sa = platform.serviceAccounts.secret;
      const runs: Array<[string, Promise<RunResult>]> = [
        ['ls', box.amplify(['auth', 'ls'])],
        ['whoami', box.amplify(['auth', 'whoami'])],
        ['token', box.amplify(['auth', 'token'])],
        ['switch', box.amplify(['auth', 'switch', '--account', 'sa-secret'])],
        ['logout', box.amplify(['auth', 'logout', '--all'])],
        ['login', box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', sa.clientId, '--force'], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } })],
        ['setup', box.amplify(['auth', 'setup', 'git', '--host', 'git.example.com'])],
        ['git helper', gitGet(box)],
      ];
      for (const [what, run] of runs) {
        const result = await run;
        assertNamed(result, file, what);
        assert.match(result.stderr, /is not valid JSON .*amplify left it unchanged: repair it, or move it away/, what);
      }
      const asJson = await box.amplify(['auth', 'ls', '--json']);
      assert.equal(asJson.code, 1);
      const error = json<{ error: { code: string; message: string } }>(asJson).error;
      assert.equal(error.code, 'ECONFIG');
      assert.ok(error.message.includes(file));
      assert.deepEqual(await readFile(file), garbage, 'bytes unchanged');
    } finally {
      await box.cleanup();
    }
  });

  test('config.json of the wrong shape', async () => {
    const box = await loggedIn();
    try {
      const file = join(box.configDir, 'config.json');
      for (const [text, problem] of [
        ['[]\n', /it is not a JSON object/],
        ['{"version":1,"accounts":{"sa-secret":5}}\n', /account "sa-secret" is not an object/],
        ['{"version":1,"accounts":{"sa-secret":{"name":"sa-secret"}}}\n', /account "sa-secret" has no "issuer"/],
        ['{"version":1,"bindings":{}}\n', /"bindings" is not an array/],
      ] as const) {
        await writeFile(file, text);
        for (const args of [['auth', 'ls'], ['auth', 'token'], ['auth', 'switch', '--account', 'sa-secret']]) {
          const result = await box.amplify(args);
          assertNamed(result, file, `${args.join(' ')} on ${text.trim()}`);
          assert.match(result.stderr, problem);
        }
        assert.equal(await readFile(file, 'utf8'), text, 'bytes unchanged');
      }
    } finally {
      await box.cleanup();
    }
  });

  test('tokens.json that does not parse', async () => {
    const box = await loggedIn();
    try {
      const file = join(box.configDir, 'tokens.json');
      const config = await readFile(join(box.configDir, 'config.json'));
      const garbage = Buffer.from('{"version":1,"entries":{"account:sa-secret":{"kind":"acc');
      await writeFile(file, garbage);
      const sa = platform.serviceAccounts.secret;
      for (const [what, run] of [
        ['token', () => box.amplify(['auth', 'token'])],
        ['login', () => box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', sa.clientId, '--force'], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } })],
        ['logout', () => box.amplify(['auth', 'logout', '--all'])],
        ['switch', () => box.amplify(['auth', 'switch', '--account', 'sa-secret'])],
        ['git helper', () => gitGet(box)],
      ] as const) {
        const result = await run();
        assertNamed(result, file, what);
        assert.match(result.stderr, /amplify left it unchanged/, what);
      }
      assert.deepEqual(await readFile(file), garbage, 'tokens.json unchanged');
      assert.deepEqual(await readFile(join(box.configDir, 'config.json')), config, 'config.json unchanged');
      assert.equal(json<unknown[]>(await box.amplify(['auth', 'ls', '--json'])).length, 1, 'ls (config only) still lists the account');
    } finally {
      await box.cleanup();
    }
  });

  test('permission denied on config.json or tokens.json is reported by name', async () => {
    const box = await loggedIn();
    try {
      const config = join(box.configDir, 'config.json');
      const tokens = join(box.configDir, 'tokens.json');
      // As root, modes do not stop reads: run the reader as nobody instead. Otherwise drop the mode.
      const root = process.getuid?.() === 0;
      const asReader = (args: string[]) => runAs(root ? 65534 : undefined, box, args);
      if (root) {
        for (const dir of [box.home, join(box.home, '.config'), box.configDir]) await chmod(dir, 0o711);
        await chmod(config, 0o644);
      } else {
        await chmod(tokens, 0o000);
      }
      const token = await asReader(['auth', 'token']);
      assertNamed(token, tokens, 'token with tokens.json unreadable');
      assert.match(token.stderr, /cannot read .*tokens\.json: EACCES: permission denied.*Check its permissions; amplify left it unchanged/);

      await chmod(config, 0o000);
      const ls = await asReader(['auth', 'ls']);
      assertNamed(ls, config, 'ls with config.json unreadable');
      assert.match(ls.stderr, /cannot read .*config\.json: EACCES: permission denied/);

      if (root) {
        // A reader who cannot write the directory: a change is refused by name, and nothing is lost.
        await chmod(config, 0o644);
        const before = await readFile(config);
        const change = await asReader(['auth', 'switch', '--account', 'sa-secret']);
        assert.equal(change.code, 1);
        assert.match(change.stderr, new RegExp(`${box.configDir.replace(/[.]/g, '\\.')}.*(EPERM|EACCES)`));
        assert.deepEqual(await readFile(config), before);
      }
    } finally {
      await box.cleanup();
    }
  });
});

/**
 * Runs the amplify bin as another user (root only), else as us. The other user runs a copy of the
 * self-contained dist/ in the sandbox: the checkout itself may sit where that user cannot read (a 0700 temp dir).
 */
async function runAs(uid: number | undefined, box: Sandbox, args: string[]): Promise<RunResult> {
  let bin = AMPLIFY_BIN;
  if (uid !== undefined) {
    const dist = join(box.home, 'dist');
    await cp(dirname(AMPLIFY_BIN), dist, { recursive: true });
    await chmod(dist, 0o755);
    bin = join(dist, basename(AMPLIFY_BIN));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'], ...(uid === undefined ? {} : { uid, gid: uid }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * A process that takes a lock with amplify's own locking code and holds it: until killed, or for holdMs.
 * Resolves once it holds the lock.
 */
async function lockHolder(box: Sandbox, lock: 'state' | { account: string }, holdMs = 600_000) {
  const files = pathToFileURL(join(ROOT, 'src', 'store', 'files.ts')).href;
  const tokens = pathToFileURL(join(ROOT, 'src', 'accounts', 'tokens.ts')).href;
  const take =
    lock === 'state'
      ? `(await import(${JSON.stringify(files)})).withLock(${JSON.stringify(box.configDir)}, 'state', hold)`
      : `(await import(${JSON.stringify(tokens)})).withAccountLock({ configDir: ${JSON.stringify(box.configDir)} }, ${JSON.stringify(lock.account)}, hold)`;
  const code = `const hold = () => new Promise((resolve) => { process.stdout.write('locked\\n'); setTimeout(resolve, ${holdMs}); }); await ${take};`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, ...box.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before taking the lock`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    exited,
  };
}

describe('locks', () => {
  test('a state-lock holder killed with -9: the next change breaks the stale lock and succeeds, within the stale time', async (t) => {
    const box = await loggedIn();
    try {
      const holder = await lockHolder(box, 'state');
      await holder.kill();
      const started = Date.now();
      const out = await box.amplify(['auth', 'switch', '--account', 'sa-secret']);
      const waited = Date.now() - started;
      assert.equal(out.code, 0, out.stderr);
      assert.ok(waited < LOCK_STALE_MS + 3_000, `waited ${waited} ms`);
      t.diagnostic(`state lock of a killed holder broken after ${waited} ms (stale time ${LOCK_STALE_MS} ms)`);
    } finally {
      await box.cleanup();
    }
  });

  test("an account's refresh-lock holder killed with -9: the next refresh goes ahead", async (t) => {
    const box = await loggedIn();
    try {
      const holder = await lockHolder(box, { account: 'sa-secret' });
      await holder.kill();
      const before = platform.stats().tokenRequests.length;
      const started = Date.now();
      const out = await box.amplify(['auth', 'token', '--min-validity', '100000']);
      const waited = Date.now() - started;
      assert.equal(out.code, 0, out.stderr);
      assert.equal(platform.stats().tokenRequests.length, before + 1, 'refreshed');
      assert.equal((await platform.introspect(out.stdout.trim())).active, true);
      assert.ok(waited < LOCK_STALE_MS + 3_000, `waited ${waited} ms`);
      t.diagnostic(`refresh lock of a killed holder broken after ${waited} ms`);
    } finally {
      await box.cleanup();
    }
  });

  test('a live holder is waited for, even past the stale time, and not broken', async () => {
    const box = await loggedIn();
    try {
      const holdMs = LOCK_STALE_MS + 2_000;
      const holder = await lockHolder(box, 'state', holdMs);
      const started = Date.now();
      const out = await box.amplify(['auth', 'switch', '--account', 'sa-secret']);
      const waited = Date.now() - started;
      assert.equal(out.code, 0, out.stderr);
      assert.ok(waited >= holdMs - 1_000, `waited only ${waited} ms for a holder that kept its lock ${holdMs} ms`);
      await holder.exited;
    } finally {
      await box.cleanup();
    }
  });
});
