// pnpm without a wrapper (`setup pnpm`: a tokenHelper launcher), npm through `auth exec` (npm_config_ variables, no
// .npmrc line), and `amplify credential npm`: real pnpm and npm installing a package that the local platform's
// registry serves only to a valid bearer token.
import assert from 'node:assert/strict';
import { access, constants, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lastSeen, needs, loginPerson, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { DEMO_EXPORT, DEMO_PACKAGE, DEMO_VERSION } from './platform/npm-package.js';
import { ROOT, sandbox, type Sandbox } from './support/cli.js';

const PNPM = join(ROOT, 'node_modules', '.bin', 'pnpm');

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const registryUrl = () => `http://127.0.0.1:${platform.port}/`;
const registryKey = () => `//127.0.0.1:${platform.port}/`;
const placeholder = () => `${registryKey()}:_authToken=\${NODE_AUTH_TOKEN}`;
const quiet = { NPM_CONFIG_UPDATE_NOTIFIER: 'false', NPM_CONFIG_FUND: 'false', NPM_CONFIG_AUDIT: 'false' };

/** A project that depends on the platform's package, its scope pointed at the platform's registry. */
async function project(box: Sandbox, name: string): Promise<string> {
  const dir = join(box.home, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true, dependencies: { [DEMO_PACKAGE]: DEMO_VERSION } })}\n`);
  await writeFile(join(dir, '.npmrc'), `@amplify-local:registry=${registryUrl()}\n`);
  return dir;
}

/** What the installed package exports, run with node from the project. */
const installed = (box: Sandbox, dir: string) => box.run(process.execPath, ['-e', `console.log(require(${JSON.stringify(DEMO_PACKAGE)}))`], { cwd: dir });

describe('pnpm through the tokenHelper (setup pnpm)', () => {
  let box: Sandbox;
  let npmrc: string;
  const mine = `# my settings\r\ncolor=false\r\n//registry.example.org/:_authToken=keep-me\r\n`;
  const pnpm = (dir: string) =>
    box.run(PNPM, ['install', '--no-frozen-lockfile', '--store-dir', join(box.home, 'pnpm-store'), '--reporter', 'append-only'], { cwd: dir, timeoutMs: 120_000 });

  before(async () => {
    box = await sandbox();
    npmrc = join(box.home, 'user.npmrc');
    Object.assign(box.env, { NPM_CONFIG_USERCONFIG: npmrc, ...quiet, CI: '' });
    await writeFile(npmrc, `${mine.replace('color=false\r\n', `color=false\r\n${placeholder()}\r\n`)}`);
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('without the helper pnpm install is refused (401) and installs nothing', async () => {
    const dir = await project(box, 'without');
    const out = await pnpm(dir);
    assert.notEqual(out.code, 0, out.stdout);
    assert.match(`${out.stdout}${out.stderr}`, /401|Unauthorized|ERR_PNPM_FETCH/i);
    assert.equal((await installed(box, dir)).code === 0, false);
  });

  test('setup pnpm writes a launcher (no token in it) and the tokenHelper line, keeps every other line, drops the old placeholder', async () => {
    const out = await box.amplify(['auth', 'setup', 'pnpm', '--registry', registryUrl()]);
    assert.equal(out.code, 0, out.stderr);
    const text = await readFile(npmrc, 'utf8');
    const line = text.split('\r\n').find((l) => l.startsWith(`${registryKey()}:tokenHelper=`));
    assert.ok(line, text);
    const launcher = line.slice(`${registryKey()}:tokenHelper=`.length);
    assert.ok(launcher.startsWith(join(box.configDir, 'bin', 'pnpm-token-')), launcher);
    assert.equal(text, `${mine}${line}\r\n`, 'other lines byte for byte (CRLF kept), the ${NODE_AUTH_TOKEN} line gone');
    await access(launcher, constants.X_OK);
    assert.equal((await stat(launcher)).mode & 0o077, 0);
    const script = await readFile(launcher, 'utf8');
    assert.ok(script.includes(process.execPath) && script.includes("'credential' 'npm' '--registry'") && script.includes("'--bearer'"), script);
    assert.ok(!script.includes(await token(box)), 'the launcher holds no token');
    assert.match(out.stderr, /npm warns about the tokenHelper key/);
    assert.match(out.stdout, /tokenHelper=/);
    assert.equal((await box.amplify(['auth', 'setup'])).stdout, `pnpm ${registryKey()} → (default account)\n`);
    const again = await box.amplify(['auth', 'setup', 'pnpm', '--registry', registryUrl()]);
    assert.match(again.stdout, /already there/);
    assert.equal(await readFile(npmrc, 'utf8'), text);
    // The launcher is what pnpm runs: `Bearer <token>` and nothing else.
    const ran = await box.run(launcher, []);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, `Bearer ${await token(box)}\n`);
  });

  test('pnpm install fetches the package through the tokenHelper, as the bound account', async () => {
    const dir = await project(box, 'with');
    const out = await pnpm(dir);
    assert.equal(out.code, 0, `${out.stdout}${out.stderr}`);
    const got = await installed(box, dir);
    assert.equal(got.stdout, `${DEMO_EXPORT}\n`, got.stderr);
    assert.equal(lastSeen(platform.seen.npm), 'sa-secret');
  });

  test('setup pnpm --remove takes out its line and its launcher, and nothing else', async () => {
    const text = await readFile(npmrc, 'utf8');
    const launcher = text.split('\r\n').find((l) => l.includes(':tokenHelper='))!.split(':tokenHelper=')[1]!;
    const out = await box.amplify(['auth', 'setup', 'pnpm', '--registry', registryUrl(), '--remove']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
    await assert.rejects(access(launcher));
    assert.equal((await box.amplify(['auth', 'setup'])).stdout.includes('pnpm'), false);
  });
});

describe('npm install through amplify auth exec (setup npm)', { skip: needs('npm') }, () => {
  let box: Sandbox;
  let npmrc: string;
  const mine = '# mine\ncolor=false\n//registry.example.org/:_authToken=keep-me\n';
  const npmInstall = (dir: string, viaExec: boolean) => {
    const args = ['install', '--cache', join(box.home, 'npm-cache'), '--prefer-online'];
    return viaExec ? box.amplify(['auth', 'exec', '--', 'npm', ...args], { cwd: dir, timeoutMs: 120_000 }) : box.run('npm', args, { cwd: dir, timeoutMs: 120_000 });
  };

  before(async () => {
    box = await sandbox();
    npmrc = join(box.home, '.npmrc');
    Object.assign(box.env, quiet);
    await writeFile(npmrc, `${mine}${placeholder()}\n`);
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('setup npm writes nothing to the user .npmrc and removes the ${NODE_AUTH_TOKEN} line an earlier version wrote', async () => {
    const out = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl()]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
    assert.match(out.stdout, /removed/);
    const again = await box.amplify(['auth', 'setup', 'npm', '--registry', registryUrl()]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
  });

  test('auth doctor: the npm binding is wired without an .npmrc line, and an old placeholder is a problem it names', async () => {
    const check = async () => {
      const out = await box.amplify(['auth', 'doctor', '--json']);
      return (JSON.parse(out.stdout) as { checks: Array<{ id: string; ok: boolean; detail: string }> }).checks.find((c) => c.id === `binding:npm:${registryKey()}`);
    };
    assert.equal((await check())?.ok, true);
    await writeFile(npmrc, `${mine}${placeholder()}\n`);
    const stale = await check();
    assert.equal(stale?.ok, false);
    assert.match(stale?.detail ?? '', /NODE_AUTH_TOKEN/);
    await mustRun(box, ['auth', 'setup', 'npm', '--registry', registryUrl()]);
    assert.equal(await readFile(npmrc, 'utf8'), mine);
  });

  test('the child of auth exec gets npm_config_//host/path/:_authToken for the bound registry', async () => {
    const probe = `console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('npm_config_//')))))`;
    const out = await box.amplify(['auth', 'exec', '--', process.execPath, '-e', probe]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { [`npm_config_${registryKey()}:_authToken`]: await token(box) });
  });

  test('npm install fails without exec, and installs the package through it', async () => {
    const plain = await npmInstall(await project(box, 'plain'), false);
    assert.notEqual(plain.code, 0, 'npm sends no token without exec');
    assert.match(plain.stderr, /E401|401/);
    const dir = await project(box, 'exec');
    const out = await npmInstall(dir, true);
    assert.equal(out.code, 0, out.stderr);
    assert.equal((await installed(box, dir)).stdout, `${DEMO_EXPORT}\n`);
    assert.equal(lastSeen(platform.seen.npm), 'sa-secret');
  });
});

describe('amplify credential npm', () => {
  let box: Sandbox;
  const credential = (registry: string, ...extra: string[]) => box.amplify(['credential', 'npm', '--registry', registry, ...extra]);
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('a bound registry: the cached token, nothing else on stdout; --bearer: Bearer <token>; answered by the fast tier', async () => {
    await mustRun(box, ['auth', 'setup', 'npm', '--registry', registryUrl()]);
    const expected = await token(box);
    const plain = await credential(registryUrl());
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${expected}\n`);
    // helpers/amplify, as the launcher runs it: a cached answer must not be handed over to the full build.
    const bearer = await box.run(process.execPath, [join(ROOT, 'helpers', 'amplify'), 'credential', 'npm', '--bearer', `--registry=${registryUrl()}`], { env: { AMPLIFY_DEBUG: '1' } });
    assert.equal(bearer.code, 0, bearer.stderr);
    assert.equal(bearer.stdout, `Bearer ${expected}\n`);
    assert.doesNotMatch(bearer.stderr, /the full build answers/, 'a cached answer stays on the fast tier');
    // The registry URL without its trailing slash is the same registry.
    assert.equal((await credential(registryUrl().replace(/\/$/, ''))).stdout, `${expected}\n`);
  });

  test('an unbound registry: nothing on stdout, exit 1, one line that says how to bind it', async () => {
    const out = await credential('https://registry.example.org/npm/');
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^amplify: \/\/registry\.example\.org\/npm\/ is not bound to an account; run `amplify auth setup pnpm --registry https:\/\/registry\.example\.org\/npm\/`\.\n$/);
  });

  test('usage: a missing --registry or an unknown flag is one line, exit 2', async () => {
    const bad = await box.amplify(['credential', 'npm', '--registry', registryUrl(), '--bogus']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    const http = await credential('http://registry.example.org/');
    assert.equal(http.code, 2);
    assert.match(http.stderr, /must use https/);
  });

  test('an account that needs a new login: nothing on stdout, exit 1, one line on stderr', async () => {
    const alice = await loginPerson(box, platform, 'alice');
    const registry = `${registryUrl()}alice/`;
    await mustRun(box, ['auth', 'setup', 'pnpm', '--registry', registry, '--account', alice]);
    assert.equal((await credential(registry, '--bearer')).stdout, `Bearer ${await token(box, alice)}\n`);
    await platform.revokeGrantsFor('alice');
    // A refresh that the issuer refuses marks the account as needing a login.
    const forced = await box.amplify(['auth', 'token', '--account', alice, '--min-validity', '100000000']);
    assert.notEqual(forced.code, 0);
    const out = await credential(registry, '--bearer');
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^amplify: \/\/127\.0\.0\.1:\d+\/alice\/: amplify-cli:alice@example\.com needs a new login[^\n]*\n$/);
  });
});
