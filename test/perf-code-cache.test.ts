// The helpers' code cache (src/bin/fast-start.ts): written after a call, used by the next, and never a reason for a
// wrong answer, a crash or a word on stderr, whatever state the cache directory is in.
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOCKER_HELPER, GIT_HELPER, helper, loginSecret, mustRun } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { HELPERS, sandbox, type RunResult, type Sandbox } from './support/cli.js';

let platform: Platform;
let box: Sandbox;
let host: string;

before(async () => {
  platform = await startPlatform({ quiet: true });
  box = await sandbox();
  await loginSecret(box, platform);
  host = `127.0.0.1:${platform.port}`;
  await mustRun(box, ['auth', 'setup', 'git', '--host', host], { GIT_CONFIG_GLOBAL: join(box.home, 'gitconfig') });
  await mustRun(box, ['auth', 'setup', 'docker', '--registry', host], { DOCKER_CONFIG: join(box.home, 'docker') });
});
after(async () => {
  await platform?.close();
  await box?.cleanup();
});

const request = (): string => `protocol=http\nhost=${host}\n\n`;
const passwordOf = (result: RunResult): string | undefined => /^password=(.+)$/m.exec(result.stdout)?.[1];
/** What the loader said it did with the cache, from its AMPLIFY_DEBUG lines. */
const cacheSays = (result: RunResult): string[] => [...result.stderr.matchAll(/^amplify: debug: code cache: \S+ (used|written|rejected by V8|not written)/gm)].map((m) => m[1]!);

/** A fresh cache directory for one test, and a git get run with it. */
async function cacheDir(name: string): Promise<{ dir: string; get: (debug?: boolean) => Promise<RunResult> }> {
  const root = join(box.home, `cache-${name}`);
  const get = (debug = true) => helper(box, GIT_HELPER, 'get', request(), { XDG_CACHE_HOME: root, ...(debug ? { AMPLIFY_DEBUG: '1' } : {}) });
  return { dir: join(root, 'amplify'), get };
}

async function onlyFile(dir: string, prefix: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.startsWith(prefix));
  assert.equal(names.length, 1, names.join(' '));
  return join(dir, names[0]!);
}

describe('the helpers\' code cache', () => {
  test('the first call writes it (0600 in a 0700 directory), the next uses it, and both answer the same', async () => {
    const { dir, get } = await cacheDir('basic');
    const first = await get();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(cacheSays(first), ['written']);
    const file = await onlyFile(dir, 'credential-fast-git-');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const second = await get();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(cacheSays(second), ['used']);
    assert.equal(second.stdout, first.stdout);
    // Without AMPLIFY_DEBUG the cache is silent.
    const quiet = await get(false);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, first.stdout);
  });

  test('each entry keeps its own: git, docker and auth ls', async () => {
    const root = join(box.home, 'cache-entries');
    const env = { XDG_CACHE_HOME: root };
    assert.equal((await helper(box, GIT_HELPER, 'get', request(), env)).code, 0);
    assert.equal((await helper(box, DOCKER_HELPER, 'get', host, env)).code, 0);
    assert.equal((await box.run(process.execPath, [join(HELPERS, 'amplify'), 'auth', 'ls'], { env })).code, 0);
    const names = (await readdir(join(root, 'amplify'))).map((name) => name.split('-').slice(0, 3).join('-')).sort();
    assert.deepEqual(names, ['credential-fast-docker', 'credential-fast-git', 'credential-fast-ls']);
  });

  test('a damaged cache is not used (V8 would crash on it): the answer is right, and the cache is written again', async () => {
    const { dir, get } = await cacheDir('damaged');
    const good = await get();
    const file = await onlyFile(dir, 'credential-fast-git-');
    const bytes = await readFile(file);
    const damage = async (mutate: (copy: Buffer) => Buffer): Promise<void> => writeFile(file, mutate(Buffer.from(bytes)), { mode: 0o600 });
    const cases: Array<[string, (copy: Buffer) => Buffer]> = [
      // A flipped byte in the first copy, in the second, and a file cut short.
      ['first copy', (copy) => ((copy[Math.floor(copy.length / 4)]! ^= 0xff), copy)],
      ['second copy', (copy) => ((copy[Math.floor((copy.length * 3) / 4)]! ^= 0xff), copy)],
      ['truncated', (copy) => copy.subarray(0, Math.floor(copy.length / 3))],
      ['empty', () => Buffer.alloc(0)],
    ];
    for (const [what, mutate] of cases) {
      await damage(mutate);
      const result = await get();
      assert.equal(result.code, 0, `${what}: ${result.stderr}`);
      assert.equal(result.stdout, good.stdout, what);
      assert.deepEqual(cacheSays(result), ['written'], what);
      assert.deepEqual(cacheSays(await get()), ['used'], `${what}: the cache was written anew`);
    }
  });

  test('a cache others could have written is not used: writable by group or others, or another user\'s', async () => {
    const { dir, get } = await cacheDir('foreign');
    const good = await get();
    const file = await onlyFile(dir, 'credential-fast-git-');
    await chmod(file, 0o666);
    const writable = await get();
    assert.equal(writable.stdout, good.stdout);
    assert.deepEqual(cacheSays(writable), ['written']);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    if (process.getuid?.() === 0) {
      await chown(file, 65534, 65534);
      const foreign = await get();
      assert.equal(foreign.stdout, good.stdout);
      assert.deepEqual(cacheSays(foreign), ['written']);
      assert.equal((await stat(file)).uid, 0);
    }
  });

  test('the cache of another build, and a temp file a killed writer left, are removed when the cache is written', async () => {
    const { dir, get } = await cacheDir('builds');
    await get();
    const file = await onlyFile(dir, 'credential-fast-git-');
    const older = file.replace(/credential-fast-git-[0-9a-f]{16}-/, 'credential-fast-git-0123456789abcdef-');
    await rename(file, older);
    await writeFile(`${file}.99999.tmp`, 'half a cache', { mode: 0o600 });
    const result = await get();
    assert.deepEqual(cacheSays(result), ['written']);
    assert.equal(await onlyFile(dir, 'credential-fast-git-'), file);
  });

  test('calls with other V8 flags (NODE_OPTIONS) keep a cache of their own beside, not instead', async () => {
    const { dir, get } = await cacheDir('flags');
    const root = join(box.home, 'cache-flags');
    const withFlags = () => helper(box, GIT_HELPER, 'get', request(), { XDG_CACHE_HOME: root, AMPLIFY_DEBUG: '1', NODE_OPTIONS: '--max-old-space-size=200' });
    assert.deepEqual(cacheSays(await get()), ['written']);
    assert.deepEqual(cacheSays(await withFlags()), ['written']);
    assert.deepEqual(cacheSays(await get()), ['used']);
    assert.deepEqual(cacheSays(await withFlags()), ['used']);
    assert.equal((await readdir(dir)).filter((name) => name.startsWith('credential-fast-git-')).length, 2);
  });

  test('no cache directory to be had (XDG_CACHE_HOME is a file): the right answer, not a word on stderr', async () => {
    const notADir = join(box.home, 'cache-file');
    await writeFile(notADir, '');
    const env = { XDG_CACHE_HOME: notADir };
    const result = await helper(box, GIT_HELPER, 'get', request(), env);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(passwordOf(result));
    assert.equal(result.stderr, '');
    const said = await helper(box, GIT_HELPER, 'get', request(), { ...env, AMPLIFY_DEBUG: '1' });
    assert.deepEqual(cacheSays(said), ['not written']);
  });

  test('a tier compiled from the cache still hands a refresh to the full tier, itself from its own cache (one token request)', async () => {
    const { get } = await cacheDir('handover');
    const first = await get();
    const old = passwordOf(first)!;
    const env = { XDG_CACHE_HOME: join(box.home, 'cache-handover') };
    const erase = await helper(box, GIT_HELPER, 'erase', `${request().trimEnd()}\nusername=oauth2\npassword=${old}\n\n`, env);
    assert.equal(erase.code, 0, erase.stderr);
    platform.resetStats();
    const refreshed = await get();
    assert.equal(refreshed.code, 0, refreshed.stderr);
    // The erase went to the full tier too, which wrote that tier's cache: both tiers start from theirs.
    assert.deepEqual(cacheSays(refreshed), ['used', 'used']);
    assert.match(refreshed.stderr, /code cache: \S+\/credential-full-git-\S+ used/);
    assert.match(refreshed.stderr, /needed: the full build answers/);
    const fresh = passwordOf(refreshed);
    assert.ok(fresh && fresh !== old, refreshed.stdout);
    assert.equal(platform.stats().tokenRequests.length, 1);
  });
});

describe('amplify auth ls on the fast tier', () => {
  test('a config.json it cannot read goes to the full CLI: one line naming the file, exit 1, the file left alone', async () => {
    const broken = await sandbox();
    try {
      await mkdir(broken.configDir, { recursive: true, mode: 0o700 });
      const config = join(broken.configDir, 'config.json');
      await writeFile(config, '{"version": 1, "accounts": ', { mode: 0o600 });
      for (const args of [['auth', 'ls'], ['auth', 'ls', '--json']]) {
        const result = await broken.run(process.execPath, [join(HELPERS, 'amplify'), ...args]);
        assert.equal(result.code, 1, result.stderr);
        if (args.includes('--json')) {
          assert.match(result.stdout, /config\.json/);
        } else {
          assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
          assert.match(result.stderr, /config\.json/);
        }
      }
      assert.equal(await readFile(config, 'utf8'), '{"version": 1, "accounts": ');
    } finally {
      await broken.cleanup();
    }
  });
});

describe('Node 22.1 and later: Node keeps the compile cache, the hand-written one steps aside', () => {
  test('with module.enableCompileCache there (shimmed on this Node), the loader turns it on in the cache dir and requires the tiers', async () => {
    const root = join(box.home, 'cache-node22');
    const shim = join(box.home, 'enable-compile-cache.cjs');
    const calls = join(box.home, 'enable-compile-cache.calls');
    // What Node 22 offers, standing in for it: the loader must call it and then require its tier (no vm.Script, no .bin).
    await writeFile(
      shim,
      `require('node:module').enableCompileCache = (dir) => { require('node:fs').appendFileSync(${JSON.stringify(calls)}, String(dir) + '\\n'); return { status: 1, directory: dir }; };\n`,
    );
    const env = { XDG_CACHE_HOME: root, NODE_OPTIONS: `--require ${shim}`, AMPLIFY_DEBUG: '1' };
    const result = await helper(box, GIT_HELPER, 'get', request(), env);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(passwordOf(result));
    assert.deepEqual(cacheSays(result), [], 'the hand-written cache is neither read nor written');
    assert.equal(await readFile(calls, 'utf8'), `${join(root, 'amplify', 'node')}\n`);
    await assert.rejects(readdir(join(root, 'amplify')).then((names) => (names.some((n) => n.endsWith('.bin')) ? Promise.resolve() : Promise.reject(new Error('no .bin')))));
    // A command handed to the ES module CLI gets Node's cache as well.
    await writeFile(calls, '');
    const cli = await box.run(process.execPath, [join(HELPERS, 'amplify'), 'auth', 'setup'], { env: { ...env, AMPLIFY_DEBUG: '' } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(await readFile(calls, 'utf8'), `${join(root, 'amplify', 'node')}\n`);
  });
});
