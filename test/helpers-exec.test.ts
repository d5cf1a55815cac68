// Token injection: `amplify auth setup npm` (no .npmrc line: npm_config_ variables), `amplify auth exec -- npm whoami` against the platform, and exec's env, status and signals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lastSeen, needs, loginKey, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { AMPLIFY_BIN, sandbox, type Sandbox } from './support/cli.js';
import { openTerminal, tmuxMissing } from './support/pty.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const registryUrl = () => `http://127.0.0.1:${platform.port}/`;
const authLine = () => `//127.0.0.1:${platform.port}/:_authToken=\${NODE_AUTH_TOKEN}`;

describe('npm through amplify auth exec', { skip: needs('npm') }, () => {
  let box: Sandbox;
  let npmrc: string;
  const mine = '# my settings\n\ncolor=false\n//registry.example.org/:_authToken=keep-me\n';
  before(async () => {
    box = await sandbox();
    npmrc = join(box.home, 'custom.npmrc');
    Object.assign(box.env, { NPM_CONFIG_USERCONFIG: npmrc, NPM_CONFIG_UPDATE_NOTIFIER: 'false', NPM_CONFIG_FUND: 'false', NPM_CONFIG_AUDIT: 'false' });
    await writeFile(npmrc, mine);
    await loginSecret(box, platform);
    await loginKey(box, platform);
  });
  after(async () => box.cleanup());

  const whoami = (...exec: string[]) => box.amplify(['auth', 'exec', ...exec, '--', 'npm', 'whoami', '--registry', registryUrl()], { timeoutMs: 60_000 });

  test('setup npm binds the registry and leaves the user .npmrc (NPM_CONFIG_USERCONFIG) as it is; again changes nothing', async () => {
    const out = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl()]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
    const again = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl()]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
    assert.equal((await box.amplify(['auth', 'setup'])).stdout, `npm //127.0.0.1:${platform.port}/ → (default account)\n`);
  });

  test("exec -- npm whoami prints the selected account's identity; plain npm whoami is refused", async () => {
    const first = await whoami();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'sa-secret\n');
    assert.equal(lastSeen(platform.seen.npm), 'sa-secret');

    await mustRun(box, ['auth', 'switch', '--account', 'sa-rsa']);
    const switched = await whoami();
    assert.equal(switched.stdout, 'sa-rsa\n', switched.stderr);
    const named = await whoami('--account', 'sa-secret');
    assert.equal(named.stdout, 'sa-secret\n', named.stderr);

    const plain = await box.run('npm', ['whoami', '--registry', registryUrl()], { timeoutMs: 60_000 });
    assert.notEqual(plain.code, 0, 'without exec npm has no token for the registry, and sends none');
    assert.match(plain.stderr, /E401|ENEEDAUTH/);
  });

  test('setup npm --remove leaves the .npmrc as it is', async () => {
    const out = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl(), '--remove']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
  });

  test('setup npm removes the ${NODE_AUTH_TOKEN} line an earlier version wrote, keeps CRLF and the other lines, and leaves HOME alone', async () => {
    const crlf = `color=false\r\n${authLine()}\r\nfoo=bar\r\n`;
    const userrc = join(box.home, '.npmrc');
    await writeFile(userrc, crlf, { mode: 0o644 });
    await chmod(box.home, 0o755);
    const out = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl()], { env: { NPM_CONFIG_USERCONFIG: undefined } });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /removed .*_authToken=\$\{NODE_AUTH_TOKEN\}/);
    assert.equal(await readFile(userrc, 'utf8'), `color=false\r\nfoo=bar\r\n`);
    assert.equal((await stat(box.home)).mode & 0o777, 0o755, 'the home directory keeps its mode');
    assert.equal((await stat(userrc)).mode & 0o777, 0o644, 'an existing .npmrc keeps its mode');
  });
});

describe('amplify auth exec', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('the child gets AMPLIFY_TOKEN, NODE_AUTH_TOKEN, AMPLIFY_ACCOUNT and AMPLIFY_ORG_ID; the token is in no argv', async () => {
    const script = `const fs = require('fs');
      const argvOf = (pid) => fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
      console.log(JSON.stringify({ env: { AMPLIFY_TOKEN: process.env.AMPLIFY_TOKEN, NODE_AUTH_TOKEN: process.env.NODE_AUTH_TOKEN, AMPLIFY_ACCOUNT: process.env.AMPLIFY_ACCOUNT, AMPLIFY_ORG_ID: process.env.AMPLIFY_ORG_ID, KEPT: process.env.KEPT }, argv: argvOf(process.pid), parentArgv: argvOf(process.ppid) }));`;
    const out = await box.amplify(['auth', 'exec', '--', process.execPath, '-e', script, 'an-argument'], { env: { KEPT: 'from-the-caller' } });
    assert.equal(out.code, 0, out.stderr);
    const seen = JSON.parse(out.stdout) as { env: Record<string, string>; argv: string[]; parentArgv: string[] };
    const expected = await token(box);
    assert.deepEqual(seen.env, { AMPLIFY_TOKEN: expected, NODE_AUTH_TOKEN: expected, AMPLIFY_ACCOUNT: 'sa-secret', AMPLIFY_ORG_ID: platform.serviceAccounts.secret.org.id, KEPT: 'from-the-caller' });
    assert.equal(seen.argv.at(-2), 'an-argument', 'the arguments reach the child as given');
    assert.ok(seen.parentArgv.some((a) => a.endsWith('amplify.js')), 'the parent is amplify');
    for (const argv of [seen.argv, seen.parentArgv]) assert.ok(!argv.some((a) => a.includes(expected)), 'no token in argv');
    assert.equal(out.stderr, '');
  });

  test("exits with the child's status", async () => {
    for (const status of [0, 3, 7]) {
      const out = await box.amplify(['auth', 'exec', '--', process.execPath, '-e', `process.exit(${status})`]);
      assert.equal(out.code, status);
    }
  });

  test('forwards SIGTERM to the child and exits with its status; a child killed by it gives 128+15', async () => {
    const handled = await execAndSignal(box, `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(42); }); console.log('ready'); setInterval(() => {}, 1000);`);
    assert.equal(handled.code, 42);
    assert.match(handled.stdout, /ready\nchild got SIGTERM\n/);
    const killed = await execAndSignal(box, `console.log('ready'); setInterval(() => {}, 1000);`);
    assert.equal(killed.code, 143);
  });

  test('a command that is not found exits 127; one that cannot be run (not executable, a directory) exits 126; one line each', async () => {
    const missing = await box.amplify(['auth', 'exec', '--', 'no-such-command-amplify']);
    assert.equal(missing.code, 127);
    assert.equal(missing.stderr, 'amplify: no-such-command-amplify: command not found.\n');
    const missingPath = await box.amplify(['auth', 'exec', '--', join(box.home, 'no', 'such', 'file')]);
    assert.equal(missingPath.code, 127, missingPath.stderr);
    const plain = join(box.home, 'not-executable.sh');
    await writeFile(plain, '#!/bin/sh\necho ran\n', { mode: 0o644 });
    for (const target of [plain, box.home]) {
      const out = await box.amplify(['auth', 'exec', '--', target]);
      assert.equal(out.code, 126, `${target}: ${out.stderr}`);
      assert.match(out.stderr, new RegExp(`^amplify: cannot run ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*\n$`));
      assert.equal(out.stdout, '');
    }
  });

  test('one Ctrl-C in a terminal reaches the child once; amplify exits with the status the child chose', { skip: tmuxMissing() ?? false }, async () => {
    // The child counts SIGINTs for a while after the first, then exits with 10 + the count.
    const script = `let n = 0; process.on('SIGINT', () => { n += 1; if (n === 1) setTimeout(() => { console.log('SIGINTs: ' + n); process.exit(10 + n); }, 1500); }); console.log('child ready'); setInterval(() => {}, 1000);`;
    const terminal = await openTerminal(box, ['auth', 'exec', '--', process.execPath, '-e', script]);
    try {
      await terminal.waitFor(/child ready/);
      await terminal.press('C-c');
      assert.equal(await terminal.exitCode(), 11, await terminal.screen());
      assert.match(await terminal.screen(), /SIGINTs: 1\b/);
    } finally {
      await terminal.close();
    }
  });

  test('without a terminal, a SIGINT sent to amplify alone is forwarded to the child', async () => {
    const handled = await execAndSignal(box, `process.on('SIGINT', () => { console.log('child got SIGINT'); process.exit(43); }); console.log('ready'); setInterval(() => {}, 1000);`, 'SIGINT');
    assert.equal(handled.code, 43);
    assert.match(handled.stdout, /child got SIGINT\n/);
  });

  test('errors: no usable account is one line on stderr, exit 1, and nothing runs', async () => {
    const marker = join(box.home, 'ran');
    const noAccount = await box.amplify(['auth', 'exec', '--account', 'nobody', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
    assert.equal(noAccount.code, 1);
    assert.equal(noAccount.stderr, 'amplify: no account named "nobody"; accounts: sa-secret.\n');
    await assert.rejects(stat(marker), 'the command did not run');
    const usage = await box.amplify(['auth', 'exec']);
    assert.equal(usage.code, 2);
  });
});

/** Starts `amplify auth exec -- node -e script`, waits for "ready", sends a signal (SIGTERM) to amplify (not the child), and waits. */
function execAndSignal(box: Sandbox, script: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AMPLIFY_BIN, 'auth', 'exec', '--', process.execPath, '-e', script], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit after ${signal}; stdout: ${stdout}`));
    }, 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready\n') && !child.killed) child.kill(signal);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}
