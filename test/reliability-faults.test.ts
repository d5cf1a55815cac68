// Faults of a real machine (issue 12): a nearly full disk, a lock holder paused with SIGSTOP, a lock from the future,
// symlinked and loosely-moded state files, a clock that was ahead (a hung issuer: reliability-deadlines.test.ts). Each
// through the public surface against the local platform; the token endpoint is reached through a gateway that can hold
// its answer.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { GIT_HELPER } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, ROOT, sandbox, type Sandbox } from './support/cli.js';
import { configFile, gateway, loginService, bindGit, gitGet, oneLine, setAccessExpiry, smallDisk, throughGateway, tokensFile } from './support/faults.js';
import type { Account } from './support/accounts.js';

const ALICE = 'amplify-cli:alice@example.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => platform?.close());

async function loginAlice(box: Sandbox): Promise<void> {
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'alice'], { env: { AMPLIFY_PASSWORD: 'alice-pw' } });
  assert.equal(out.code, 0, out.stderr);
}

async function accounts(box: Sandbox): Promise<Account[]> {
  const out = await box.amplify(['auth', 'ls', '--json']);
  assert.equal(out.code, 0, out.stderr);
  return json<Account[]>(out);
}

const refreshLock = (box: Sandbox, name: string) => join(box.configDir, 'locks', `refresh-${createHash('sha256').update(name).digest('hex').slice(0, 24)}.lock`);

describe('a nearly full disk', () => {
  test('writes are whole or not at all; a refresh that cannot store its rotated tokens fails and the next process stores them', async (t) => {
    const disk = await smallDisk(512 * 1024);
    if (typeof disk === 'string') return t.skip(disk);
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    const home = join(disk.dir, 'amplify');
    const env = { AMPLIFY_HOME: home };
    const inDisk = { ...box, configDir: home, amplify: (args: string[], o?: { env?: Record<string, string> }) => box.amplify(args, { ...o, env: { ...env, ...o?.env } }) } as Sandbox;
    try {
      await loginAlice(inDisk);
      await loginService(platform, inDisk);
      await bindGit(platform, inDisk);
      for (let i = 0; i < 20; i += 1) assert.equal((await inDisk.amplify(['auth', 'setup', 'git', '--host', `git${i}.example.com:${1000 + i}`])).code, 0);
      await setAccessExpiry(inDisk, ALICE, Date.now() + 5_000);
      // Make alice the one the git host uses, and get one refresh done while there is room (its journal is reserved).
      assert.equal((await inDisk.amplify(['auth', 'switch', '--account', ALICE])).code, 0);
      assert.equal((await inDisk.amplify(['auth', 'token', '--min-validity', '100000'])).code, 0);
      // Registry credentials kept for docker make tokens.json larger than the space that will be left, too.
      for (let i = 0; i < 4; i += 1) {
        const secret = `secret-${i}-${'x'.repeat(2_000)}`;
        const stored = await inDisk.run(join(ROOT, 'helpers', 'docker-credential-amplify'), ['store'], { input: JSON.stringify({ ServerURL: `r${i}.example.com`, Username: 'u', Secret: secret }), env });
        assert.equal(stored.code, 0, stored.stdout + stored.stderr);
      }
      await setAccessExpiry(inDisk, ALICE, Date.now() + 5_000);
      const configBefore = await readFile(configFile(inDisk));
      const tokensBefore = await readFile(tokensFile(inDisk));
      assert.ok(configBefore.length > 6144, `config.json is larger than the space left (${configBefore.length} bytes)`);
      assert.ok(tokensBefore.length > 6144, `tokens.json is larger than the space left (${tokensBefore.length} bytes)`);

      await disk.fill(4096);
      const setup = await inDisk.amplify(['auth', 'setup', 'git', '--host', 'full.example.com:1']);
      assert.notEqual(setup.code, 0, `setup git on a full disk must fail\n${setup.stderr}`);
      assert.match(setup.stderr, /config\.json/);
      assert.match(setup.stderr, /free/);
      oneLine(setup, 'setup git');
      assert.deepEqual(await readFile(configFile(inDisk)), configBefore, 'config.json unchanged');

      const requests = platform.stats().tokenRequests.length;
      const get = await gitGet(platform, inDisk, env);
      assert.notEqual(get.code, 0, `a refreshing get that cannot store must fail\n${get.stdout}${get.stderr}`);
      assert.match(get.stderr, /kept in .*journal/, get.stderr);
      assert.equal(platform.stats().tokenRequests.length, requests + 1, 'the issuer rotated the tokens once');
      JSON.parse((await readFile(configFile(inDisk))).toString());
      assert.deepEqual(await readFile(tokensFile(inDisk)), tokensBefore, 'tokens.json unchanged (whole)');

      await disk.empty();
      const next = await gitGet(platform, inDisk, env);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(platform.stats().tokenRequests.length, requests + 1, 'the kept tokens were stored, not asked for again');
      const password = /^password=(.+)$/m.exec(next.stdout)?.[1];
      assert.ok(password);
      assert.equal((await platform.introspect(password)).active, true, 'the rotated access token');
      const alice = (await accounts(inDisk)).find((a) => a.name === ALICE)!;
      assert.equal(alice.needsLogin, false, 'still logged in: the rotated refresh token was kept');
      const refreshed = await inDisk.amplify(['auth', 'token', '--min-validity', '100000']);
      assert.equal(refreshed.code, 0, `the kept refresh token works: ${refreshed.stderr}`);
    } finally {
      await box.cleanup();
      await disk.close();
    }
  });

  test("setup docker on a full disk leaves the user's ~/.docker/config.json whole", async (t) => {
    const disk = await smallDisk(256 * 1024);
    if (typeof disk === 'string') return t.skip(disk);
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      await loginService(platform, box);
      const dockerDir = join(disk.dir, 'docker');
      await mkdir(dockerDir);
      const own = { auths: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`registry${i}.example.com`, { auth: Buffer.from(`user${i}:pw${i}`).toString('base64') }])) };
      const text = `${JSON.stringify(own, null, 2)}\n`;
      await writeFile(join(dockerDir, 'config.json'), text);
      assert.ok(text.length > 8192);
      await disk.fill(4096);
      const out = await box.amplify(['auth', 'setup', 'docker', '--registry', 'registry.example.com'], { env: { DOCKER_CONFIG: dockerDir } });
      assert.notEqual(out.code, 0, `must fail\n${out.stderr}`);
      assert.match(out.stderr, /free/);
      assert.equal(await readFile(join(dockerDir, 'config.json'), 'utf8'), text, "the user's file is unchanged");
    } finally {
      await box.cleanup();
      await disk.close();
    }
  });
});

/** A child that changes the state with amplify's own code: it takes the state lock, says so, and finishes after a while. */
function stateHolder(box: Sandbox, host: string): { child: ChildProcess; locked: Promise<void>; done: Promise<number | null> } {
  const state = pathToFileURL(join(ROOT, 'src', 'store', 'state.ts')).href;
  const context = pathToFileURL(join(ROOT, 'src', 'context.ts')).href;
  const code = `
    const { mutateState } = await import(${JSON.stringify(state)});
    const { createContext } = await import(${JSON.stringify(context)});
    await mutateState(createContext(), async ({ config }) => {
      process.stdout.write('locked\\n');
      await new Promise((resolve) => setTimeout(resolve, 500));
      config.bindings.push({ tool: 'git', host: ${JSON.stringify(host)}, account: null, username: null });
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, ...box.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve());
    child.once('exit', (c) => reject(new Error(`holder exited (${c}) before taking the lock`)));
  });
  const done = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, locked, done };
}

describe('a paused lock holder', () => {
  test('a state-lock holder stopped past the stale time finds its lock taken over before it writes, and starts again', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      await loginService(platform, box);
      const holder = stateHolder(box, 'http://paused.example.com');
      await holder.locked;
      holder.child.kill('SIGSTOP');
      const started = Date.now();
      const other = await box.amplify(['auth', 'setup', 'git', '--host', 'other.example.com:1']);
      assert.equal(other.code, 0, other.stderr);
      assert.ok(Date.now() - started < 15_000, 'the stopped holder was taken over after the stale time');
      holder.child.kill('SIGCONT');
      assert.equal(await holder.done, 0, 'the resumed holder finished');
      const config = JSON.parse(await readFile(configFile(box), 'utf8')) as { bindings: Array<{ host: string }>; accounts: Record<string, unknown> };
      const hosts = config.bindings.map((b) => b.host);
      assert.ok(hosts.some((h) => h.includes('other.example.com')), `the change made meanwhile is kept: ${hosts.join(', ')}`);
      assert.ok(hosts.some((h) => h.includes('paused.example.com')), `the resumed holder's change landed too: ${hosts.join(', ')}`);
      assert.equal(Object.keys(config.accounts).length, 1);
    } finally {
      await box.cleanup();
    }
  });

  test('a refresh stopped after the issuer rotated its token: waiters neither reuse the old token nor log the account out', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    const gw = await gateway(platform.origin);
    try {
      await loginAlice(box);
      await throughGateway(platform, box, gw);
      gw.mode = 'hold';
      const holder = spawn(process.execPath, [join(ROOT, 'dist', 'amplify.js'), 'auth', 'token', '--min-validity', '100000'], { env: { ...process.env, ...box.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let holderOut = '';
      holder.stdout.setEncoding('utf8').on('data', (d: string) => (holderOut += d));
      holder.stderr.setEncoding('utf8').on('data', (d: string) => (holderOut += d));
      const holderDone = new Promise<number | null>((resolve) => holder.once('exit', (c) => resolve(c)));
      await gw.held(); // the platform has rotated the refresh token; its answer waits in the gateway
      holder.kill('SIGSTOP');
      gw.mode = 'pass';
      gw.release(); // into the stopped holder's socket
      const requests = platform.stats().tokenRequests.length;
      // Waiters past the stale time (5 s): the shortest deadline makes them give up after 3 + 3 s.
      const waiters = await Promise.all([1, 2, 3].map(() => box.amplify(['auth', 'token', '--min-validity', '100000'], { env: { AMPLIFY_HTTP_TIMEOUT: '3' } })));
      for (const w of waiters) assert.doesNotMatch(w.stderr, /needs a new login|needsLogin/, w.stderr);
      assert.equal(platform.stats().tokenRequests.length, requests, 'no waiter refreshed with the old refresh token');
      holder.kill('SIGCONT');
      assert.equal(await holderDone, 0, holderOut);
      const alice = (await accounts(box)).find((a) => a.name === ALICE)!;
      assert.equal(alice.needsLogin, false);
      gw.mode = 'pass';
      const after = await box.amplify(['auth', 'token', '--min-validity', '100000']);
      assert.equal(after.code, 0, `the rotated refresh token the resumed holder stored works: ${after.stderr}`);
      assert.equal((await platform.introspect(after.stdout.trim())).active, true);
    } finally {
      await gw.close();
      await box.cleanup();
    }
  });
});

describe('a lock from the future', () => {
  test('a refresh lock and a state lock whose mtime lies an hour ahead count as stale after the stale time', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      const name = await loginService(platform, box);
      const ahead = new Date(Date.now() + 3_600_000);
      for (const lock of [refreshLock(box, name), join(box.configDir, 'state.lock')]) {
        await mkdir(lock, { recursive: true });
        await utimes(lock, ahead, ahead);
      }
      const requests = platform.stats().tokenRequests.length;
      const started = Date.now();
      const out = await box.amplify(['auth', 'token', '--min-validity', '100000'], { timeoutMs: 30_000 });
      assert.equal(out.code, 0, out.stderr);
      // Each of the two locks is stale after 5 s of the waiter's own watch; without that, an hour.
      assert.ok(Date.now() - started < 28_000, `took ${Date.now() - started} ms`);
      assert.equal(platform.stats().tokenRequests.length, requests + 1, 'refreshed');
      const sw = await box.amplify(['auth', 'switch', '--account', name]);
      assert.equal(sw.code, 0, sw.stderr);
    } finally {
      await box.cleanup();
    }
  });
  test("the lock's clock and stale time are the context's: a fake clock moved past the stale time breaks a lock from the future", async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      await loginService(platform, box);
      const { mutateState } = (await import(pathToFileURL(join(ROOT, 'src', 'store', 'state.ts')).href)) as typeof import('../src/store/state.js');
      const { createContext } = (await import(pathToFileURL(join(ROOT, 'src', 'context.ts')).href)) as typeof import('../src/context.js');
      const lock = join(box.configDir, 'state.lock');
      await mkdir(lock);
      const ahead = new Date(Date.now() + 24 * 3_600_000);
      await utimes(lock, ahead, ahead);
      let fake = Date.now();
      // A stale time of ten minutes that the test does not wait for: it moves the clock instead.
      const ctx = createContext({ env: { ...box.env }, configDir: box.configDir, now: () => fake, lockStaleMs: 600_000 });
      const mover = setTimeout(() => (fake += 601_000), 200);
      const started = Date.now();
      const bindings = await mutateState(ctx, ({ config }) => config.bindings.length);
      clearTimeout(mover);
      assert.ok(fake > started + 600_000, 'the lock was taken only once the fake clock had moved past the stale time');
      assert.ok(Date.now() - started < 5_000, `taken without waiting the stale time: ${Date.now() - started} ms`);
      assert.equal(typeof bindings, 'number');
    } finally {
      await box.cleanup();
    }
  });
});

describe('state files that are links or writable by others', () => {
  test('a symlinked config.json or tokens.json is refused, and its target neither written nor chmodded', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      await loginService(platform, box);
      const uses: Record<string, string[][]> = {
        [configFile(box)]: [['auth', 'token'], ['auth', 'setup', 'git', '--host', 'x.example.com:1'], ['auth', 'ls']],
        [tokensFile(box)]: [['auth', 'token'], ['auth', 'logout', '--all']],
      };
      for (const [file, commands] of Object.entries(uses)) {
        const target = `${file}.target`;
        await writeFile(target, await readFile(file));
        await chmod(target, 0o644);
        await (await import('node:fs/promises')).rm(file);
        await symlink(target, file);
        const before = await readFile(target);
        for (const args of commands) {
          const out = await box.amplify(args);
          assert.notEqual(out.code, 0, `${args.join(' ')} with ${file} a link\n${out.stdout}`);
          assert.match(out.stderr, /symbolic link/);
          oneLine(out, args.join(' '));
        }
        assert.deepEqual(await readFile(target), before, 'the target is unchanged');
        assert.equal((await stat(target)).mode & 0o777, 0o644, 'the target is not chmodded');
        assert.ok((await lstat(file)).isSymbolicLink());
        await (await import('node:fs/promises')).rm(file);
        await writeFile(file, before);
        await chmod(file, 0o600);
      }
    } finally {
      await box.cleanup();
    }
  });

  test('a config.json or config directory writable by others is refused with the fix', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      await loginService(platform, box);
      await chmod(configFile(box), 0o666);
      let out = await box.amplify(['auth', 'ls']);
      assert.notEqual(out.code, 0);
      assert.match(out.stderr, /writable by others.*chmod 600/);
      oneLine(out, 'ls');
      out = await box.run(GIT_HELPER, ['get'], { input: `protocol=http\nhost=127.0.0.1:${platform.port}\n\n` });
      assert.match(out.stderr, /writable by others/);
      await chmod(configFile(box), 0o600);
      await chmod(box.configDir, 0o777);
      out = await box.amplify(['auth', 'token']);
      assert.notEqual(out.code, 0);
      assert.match(out.stderr, /chmod 700/);
      oneLine(out, 'token');
      await chmod(box.configDir, 0o700);
      assert.equal((await box.amplify(['auth', 'token'])).code, 0);
    } finally {
      await box.cleanup();
    }
  });
});

describe('a clock that was ahead', () => {
  test('a token received while the clock was hours ahead is refreshed once the clock is back, not served for hours', async () => {
    const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
    try {
      const name = await loginService(platform, box);
      const { getAccessToken } = (await import(pathToFileURL(join(ROOT, 'src', 'accounts', 'tokens.ts')).href)) as typeof import('../src/accounts/tokens.js');
      const { createContext } = (await import(pathToFileURL(join(ROOT, 'src', 'context.ts')).href)) as typeof import('../src/context.js');
      const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
      const ctx = (offset: number) => createContext({ env: { ...box.env }, configDir: box.configDir, now: () => Date.now() + offset, stderr: quiet });
      const ahead = await getAccessToken(ctx(5 * 3_600_000), { minValidity: 100_000_000 });
      const requests = platform.stats().tokenRequests.length;
      const now = await getAccessToken(ctx(0));
      assert.notEqual(now.token, ahead.token, 'refreshed: the one from the clock ahead is not served');
      assert.equal(platform.stats().tokenRequests.length, requests + 1);
      assert.ok(now.expiresAt! < Date.now() + 2 * 3_600_000, 'expiry against the local clock at receipt');
      const again = await getAccessToken(ctx(0));
      assert.equal(again.token, now.token, 'and then served from the cache');
      assert.equal(name.length > 0, true);
    } finally {
      await box.cleanup();
    }
  });
});
