// The keyring token store for real: AES-256-GCM in tokens.enc, its data key in the Secret Service (gnome-keyring under
// dbus-run-session, as test/run.mjs sets up), tampering reported without a byte overwritten, and the headless fallback.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createContext, type KeyringBackend } from '../src/context.js';
import { isAmplifyError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { accountKey, chooseTokenStore, keyringEntry, keyringStore, parseSealed, type SecretMap } from '../src/store/tokens.js';
import { issuerFlags } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { filesUnder, HELPERS, json, runProcess, sandbox, type Sandbox } from './support/cli.js';
import { missingTool } from './support/tools.js';

const DBUS = process.env.DBUS_SESSION_BUS_ADDRESS;
/** With the bus: what the keyring tests pass to the bins, which the sandbox otherwise strips (the headless case). */
const withBus = { DBUS_SESSION_BUS_ADDRESS: DBUS };
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
/**
 * Every amplify run here a real process: this file talks to the Secret Service in-process too, and the native module
 * keeps its D-Bus connection for the process, so an in-process run would find a keyring where a headless process has none.
 */
const KEYRING_PROCESSES = { spawn: true };

function secretServiceSkip(): string | false {
  if (process.env.AMPLIFY_TEST_SECRET_SERVICE !== '1' || !DBUS) {
    return missingTool('no Secret Service in this run: `node test/run.mjs keyring` starts gnome-keyring under dbus-run-session (apt-get install gnome-keyring dbus-x11 libsecret-tools)');
  }
  return false;
}
const skip = secretServiceSkip();
if (skip) console.log(`# keyring-store: Secret Service tests skipped: ${skip}`);

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});


async function loginSecret(box: Sandbox, env: Record<string, string | undefined> = {}, extra: string[] = []) {
  const { secret } = platform.serviceAccounts;
  return box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', secret.clientId, ...extra], { env: { AMPLIFY_CLIENT_SECRET: secret.clientSecret, ...env } });
}

/** The data key as the Secret Service holds it (secret-tool talks to it over the same bus). */
async function lookupDataKey(box: Sandbox): Promise<string> {
  const { service, account } = keyringEntry(box.configDir);
  const out = await runProcess('secret-tool', ['lookup', 'service', service, 'username', account], { env: process.env });
  return out.stdout.trim();
}

async function clearDataKey(configDir: string): Promise<void> {
  const { service, account } = keyringEntry(configDir);
  await runProcess('secret-tool', ['clear', 'service', service, 'username', account], { env: process.env }).catch(() => undefined);
}

describe('keyring store against the Secret Service', { skip }, () => {
  let box: Sandbox;
  let encrypted: string;
  let token: string;

  before(async () => {
    box = await sandbox({}, KEYRING_PROCESSES);
    encrypted = join(box.configDir, 'tokens.enc');
  });
  after(async () => {
    await clearDataKey(box.configDir);
    await box.cleanup();
  });

  test('the default store is the keyring where one answers: no fallback notice, tokens.enc 0600, no tokens.json', async () => {
    const login = await loginSecret(box, withBus, ['--json']);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(json<{ tokenStore: string }>(login).tokenStore, 'keyring');
    assert.doesNotMatch(login.stderr, /no OS keyring answered/);
    assert.equal((await stat(encrypted)).mode & 0o777, 0o600);
    assert.equal((await stat(box.configDir)).mode & 0o777, 0o700);
    await assert.rejects(stat(join(box.configDir, 'tokens.json')), /ENOENT/);
    const t = await box.amplify(['auth', 'token'], { env: withBus });
    assert.equal(t.code, 0, t.stderr);
    token = t.stdout.trim();
    assert.equal((await platform.introspect(token)).active, true);
  });

  test('tokens.enc is AES-256-GCM under a 32-byte data key that lives only in the keyring', async () => {
    const bytes = await readFile(encrypted);
    const { sealed, iv, tag } = parseSealed(bytes, encrypted);
    assert.equal(sealed.alg, 'A256GCM');
    assert.equal(iv.length, 12);
    assert.equal(tag.length, 16);
    const { secret } = platform.serviceAccounts;
    const text = bytes.toString('utf8');
    const decoded = Buffer.from(sealed.data, 'base64').toString('latin1');
    for (const plain of [token, secret.clientSecret, secret.clientId, 'accessToken', 'entries']) {
      assert.ok(!text.includes(plain) && !decoded.includes(plain), `tokens.enc shows ${plain.slice(0, 12)}… in the clear`);
    }
    const key = await lookupDataKey(box);
    assert.equal(Buffer.from(key, 'base64').length, 32, 'the keyring holds a 32-byte key');
    for (const file of await filesUnder(box.home)) {
      const content = await readFile(file, 'latin1');
      assert.ok(!content.includes(key), `the data key is written to ${file}`);
      assert.ok(!content.includes(Buffer.from(key, 'base64').toString('hex')), `the data key (hex) is written to ${file}`);
    }
  });

  test('every write seals with a fresh random nonce', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'amplify-nonce-'));
    try {
      const ctx = createContext({ env: { ...process.env, AMPLIFY_HOME: configDir }, configDir });
      const store = keyringStore(ctx);
      const entries: SecretMap = { [accountKey('same')]: { kind: 'account', accessToken: 'the-same-token-every-time' } };
      const ivs = new Set<string>();
      const ciphertexts = new Set<string>();
      for (let i = 0; i < 50; i++) {
        await store.write(entries);
        const { sealed } = parseSealed(await readFile(join(configDir, 'tokens.enc')), 'tokens.enc');
        ivs.add(sealed.iv);
        ciphertexts.add(sealed.data);
      }
      assert.equal(ivs.size, 50, 'no nonce repeats');
      assert.equal(ciphertexts.size, 50, 'the same tokens never seal to the same bytes');
      assert.deepEqual(await keyringStore(ctx).read(), entries, 'a fresh store (a new process) opens it with the key from the keyring');
    } finally {
      await clearDataKey(configDir);
      await rm(configDir, { recursive: true, force: true });
    }
  });

  test('a flipped bit anywhere in tokens.enc is caught: every byte, three bits each, in-process', async () => {
    const original = await readFile(encrypted);
    const ctx = createContext({ env: { ...process.env }, configDir: box.configDir });
    const store = keyringStore(ctx);
    assert.ok(Object.keys(await store.read()).length > 0);
    let checked = 0;
    try {
      for (let at = 0; at < original.length; at++) {
        for (const bit of [0x01, 0x20, 0x80]) {
          const bytes = Buffer.from(original);
          bytes[at]! ^= bit;
          await writeFile(encrypted, bytes, { mode: 0o600 });
          await assert.rejects(store.read(), (error: unknown) => {
            assert.ok(isAmplifyError(error, 'EINTEGRITY'), `byte ${at} bit ${bit}: ${(error as Error).message}`);
            assert.ok(error.message.includes(encrypted), 'the message names the file');
            return true;
          });
          checked += 1;
        }
      }
    } finally {
      await writeFile(encrypted, original, { mode: 0o600 });
    }
    assert.equal(checked, original.length * 3);
    assert.ok(Object.keys(await store.read()).length > 0, 'the restored file opens again');
  });

  test('a flipped byte: every command says so in one line naming the file, and nothing is overwritten', async () => {
    assert.equal((await box.amplify(['auth', 'setup', 'git', '--host', 'git.work.example'], { env: withBus })).code, 0);
    assert.equal((await box.amplify(['auth', 'setup', 'docker', '--registry', 'registry.work.example'], { env: withBus })).code, 0);
    const original = await readFile(encrypted);
    const tampered = Buffer.from(original);
    // Inside the ciphertext: valid JSON, valid base64, only GCM can tell.
    const at = tampered.indexOf('"data":"') + 12;
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
    await writeFile(encrypted, tampered, { mode: 0o600 });
    const keyBefore = await lookupDataKey(box);
    try {
      const runs = [
        ['auth', 'token'],
        ['auth', 'ls'],
        ['auth', 'whoami'],
        ['auth', 'login', ...issuerFlags(platform), '--client-id', platform.serviceAccounts.secret.clientId, '--force'],
        ['auth', 'logout', '--all'],
        ['auth', 'switch', '--account', platform.serviceAccounts.secret.clientId],
      ];
      for (const args of runs) {
        const out = await box.amplify(args, { env: { ...withBus, AMPLIFY_CLIENT_SECRET: platform.serviceAccounts.secret.clientSecret } });
        const what = args.slice(0, 2).join(' ');
        assert.deepEqual(await readFile(encrypted), tampered, `${what} did not write over tokens.enc`);
        // ls and whoami may answer from config.json alone; whatever needs the tokens must refuse.
        if (out.code === 0 && (args[1] === 'ls' || args[1] === 'whoami')) continue;
        assert.equal(out.code, 1, `${what}: ${out.stdout}${out.stderr}`);
        const lines = out.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `${what}: one line\n${out.stderr}`);
        assert.match(lines[0]!, /tokens\.enc failed its integrity check/);
        assert.ok(lines[0]!.includes(encrypted), 'the message names the file');
      }
      const jsonOut = await box.amplify(['auth', 'token', '--json'], { env: withBus });
      assert.equal(json<{ error: { code: string } }>(jsonOut).error.code, 'EINTEGRITY');
      const git = await runProcess(join(HELPERS, 'git-credential-amplify'), ['get'], { env: { ...box.env, ...withBus }, input: 'protocol=https\nhost=git.work.example\n\n' });
      assert.equal(git.stdout.includes(token), false);
      assert.match(git.stderr, /integrity check/);
      assert.doesNotMatch(git.stderr, STACK_TRACE);
      const docker = await runProcess(join(HELPERS, 'docker-credential-amplify'), ['get'], { env: { ...box.env, ...withBus }, input: 'registry.work.example' });
      assert.equal(docker.code, 1);
      assert.match(docker.stdout, /integrity check/);
      assert.doesNotMatch(docker.stdout + docker.stderr, STACK_TRACE);
      assert.deepEqual(await readFile(encrypted), tampered, 'the helpers did not write over tokens.enc');
      assert.equal(await lookupDataKey(box), keyBefore, 'the data key in the keyring is unchanged');
    } finally {
      await writeFile(encrypted, original, { mode: 0o600 });
    }
    const again = await box.amplify(['auth', 'token'], { env: withBus });
    assert.equal(again.code, 0, again.stderr);
  });

  test('without the data key (keyring entry removed, or no D-Bus): a clear error, the file untouched, no new key', async () => {
    // Without its access-token cache (below), which would answer a cached lookup without the keyring.
    await rm(join(box.configDir, 'access-cache.json'), { force: true });
    const original = await readFile(encrypted);
    const noBus = await box.amplify(['auth', 'token']);
    assert.equal(noBus.code, 1);
    assert.match(noBus.stderr, /OS keyring did not answer \(no D-Bus session bus.*tokens\.enc cannot be opened without it/);
    assert.deepEqual(await readFile(encrypted), original);

    const key = await lookupDataKey(box);
    await clearDataKey(box.configDir);
    try {
      for (const args of [['auth', 'token'], ['auth', 'login', ...issuerFlags(platform), '--client-id', platform.serviceAccounts.secret.clientId, '--force']]) {
        const out = await box.amplify(args, { env: { ...withBus, AMPLIFY_CLIENT_SECRET: platform.serviceAccounts.secret.clientSecret } });
        assert.equal(out.code, 1, out.stderr);
        assert.match(out.stderr, /the OS keyring has no key for .*tokens\.enc/);
        assert.deepEqual(await readFile(encrypted), original, 'nothing sealed over it with a new key');
        assert.equal(await lookupDataKey(box), '', 'no new key made over the missing one');
      }
    } finally {
      const { service, account } = keyringEntry(box.configDir);
      await runProcess('secret-tool', ['store', '--label=amplify test restore', 'service', service, 'username', account], { env: process.env, input: key });
    }
    assert.equal((await box.amplify(['auth', 'token'], { env: withBus })).code, 0);
  });

  test('AMPLIFY_TOKEN_STORE=keyring with a Secret Service: logs in to the keyring', async () => {
    const other = await sandbox({}, KEYRING_PROCESSES);
    try {
      const out = await loginSecret(other, { ...withBus, AMPLIFY_TOKEN_STORE: 'keyring' }, ['--json']);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(json<{ tokenStore: string }>(out).tokenStore, 'keyring');
      assert.equal((await lookupDataKey(other)).length > 0, true);
    } finally {
      await clearDataKey(other.configDir);
      await other.cleanup();
    }
  });
});

describe('the keyring store\'s access-token cache (access-cache.json)', { skip }, () => {
  let box: Sandbox;
  const cacheFile = () => join(box.configDir, 'access-cache.json');
  const encrypted = () => join(box.configDir, 'tokens.enc');
  const host = 'git.cache.example';
  const gitGet = (env: Record<string, string | undefined> = {}) =>
    runProcess(join(HELPERS, 'git-credential-amplify'), ['get'], { env: { ...box.env, ...env }, input: `protocol=https\nhost=${host}\n\n` });
  const passwordOf = (stdout: string) => /^password=(.+)$/m.exec(stdout)?.[1];

  before(async () => {
    box = await sandbox({}, KEYRING_PROCESSES);
    assert.equal((await loginSecret(box, withBus)).code, 0);
    assert.equal((await box.amplify(['auth', 'setup', 'git', '--host', host], { env: withBus })).code, 0);
  });
  after(async () => {
    await clearDataKey(box.configDir);
    await box.cleanup();
  });

  test('written with every seal: 0600, the access token and its expiry, nothing long-lived', async () => {
    assert.equal((await stat(cacheFile())).mode & 0o777, 0o600);
    const text = await readFile(cacheFile(), 'utf8');
    const cache = JSON.parse(text) as { version: number; sealed: string; entries: Record<string, Record<string, unknown>> };
    assert.equal(cache.sealed, await readFile(encrypted(), 'utf8'), 'bound to this very tokens.enc');
    assert.deepEqual(Object.keys(cache.entries), [accountKey('sa-secret')]);
    // receivedAt: when the token arrived by the local clock (a token received while the clock was ahead is refreshed).
    assert.deepEqual(Object.keys(cache.entries[accountKey('sa-secret')]!).sort(), ['accessExpiresAt', 'accessToken', 'receivedAt']);
    const token = (await box.amplify(['auth', 'token'], { env: withBus })).stdout.trim();
    assert.equal(cache.entries[accountKey('sa-secret')]!.accessToken, token);
    assert.equal(text.includes(platform.serviceAccounts.secret.clientSecret), false, 'no client secret');
  });

  test('a cached get needs no keyring (no D-Bus at all); without the cache it does', async () => {
    const token = (await box.amplify(['auth', 'token'], { env: withBus })).stdout.trim();
    const noBus = await gitGet();
    assert.equal(noBus.code, 0, noBus.stderr);
    assert.equal(passwordOf(noBus.stdout), token);
    assert.equal((await box.run(process.execPath, [join(HELPERS, 'amplify'), 'auth', 'token'])).stdout, `${token}\n`);
    const saved = await readFile(cacheFile());
    await rm(cacheFile());
    try {
      const without = await gitGet();
      assert.equal(passwordOf(without.stdout), undefined);
      assert.match(without.stderr, /OS keyring did not answer/);
      assert.equal(passwordOf((await gitGet(withBus)).stdout), token, 'the sealed store still answers');
    } finally {
      await writeFile(cacheFile(), saved, { mode: 0o600 });
    }
  });

  test('stale the moment tokens.enc changes: a refresh rewrites it; an old cache, a tampered byte or a loose mode is not used', async () => {
    const before = passwordOf((await gitGet(withBus)).stdout)!;
    const oldCache = await readFile(cacheFile());
    // git's erase after a 401, then the get refreshes: a new tokens.enc, a new cache.
    await runProcess(join(HELPERS, 'git-credential-amplify'), ['erase'], { env: { ...box.env, ...withBus }, input: `protocol=https\nhost=${host}\nusername=oauth2\npassword=${before}\n\n` });
    const fresh = passwordOf((await gitGet(withBus)).stdout)!;
    assert.notEqual(fresh, before);
    assert.equal(JSON.parse(await readFile(cacheFile(), 'utf8')).sealed, await readFile(encrypted(), 'utf8'));
    assert.equal(passwordOf((await gitGet()).stdout), fresh, 'the new cache answers without the keyring');
    const newCache = await readFile(cacheFile());
    try {
      // The cache of an earlier tokens.enc: not used (without the keyring: no answer; with it: the current token).
      await writeFile(cacheFile(), oldCache, { mode: 0o600 });
      assert.equal(passwordOf((await gitGet()).stdout), undefined);
      assert.equal(passwordOf((await gitGet(withBus)).stdout), fresh);
      // A byte of tokens.enc's ciphertext changed (its tag intact): the cache is not used, and the sealed store refuses.
      await writeFile(cacheFile(), newCache, { mode: 0o600 });
      const original = await readFile(encrypted());
      const tampered = Buffer.from(original);
      const at = tampered.indexOf('"data":"') + 12;
      tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
      await writeFile(encrypted(), tampered, { mode: 0o600 });
      const refused = await gitGet(withBus);
      assert.equal(passwordOf(refused.stdout), undefined);
      assert.match(refused.stderr, /integrity check/);
      await writeFile(encrypted(), original, { mode: 0o600 });
      // Readable by others: not trusted, not used.
      await chmod(cacheFile(), 0o644);
      assert.equal(passwordOf((await gitGet()).stdout), undefined);
      assert.equal(passwordOf((await gitGet(withBus)).stdout), fresh);
    } finally {
      await writeFile(cacheFile(), newCache, { mode: 0o600 });
      await chmod(cacheFile(), 0o600);
    }
  });

  test('logout removes it with the last account', async () => {
    assert.equal((await box.amplify(['auth', 'logout', '--all'], { env: withBus })).code, 0);
    await assert.rejects(stat(cacheFile()), /ENOENT/);
  });
});

describe('without a Secret Service (headless)', () => {
  test('the default store falls back to tokens.json and says so at login, naming the file; once', async () => {
    const box = await sandbox({}, KEYRING_PROCESSES);
    try {
      const first = await loginSecret(box, {}, ['--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(json<{ tokenStore: string }>(first).tokenStore, 'file');
      const file = join(box.configDir, 'tokens.json');
      assert.ok(first.stderr.includes(`tokens are stored in ${file} (mode 0600)`), first.stderr);
      assert.match(first.stderr, /no OS keyring answered \(no D-Bus session bus/);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      await assert.rejects(stat(join(box.configDir, 'tokens.enc')), /ENOENT/);
      const { rsa } = platform.serviceAccounts;
      const second = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', rsa.clientId, '--secret-file', rsa.keyFile]);
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stderr, /no OS keyring answered/, 'announced once, when the choice was made');
      const quiet = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', platform.serviceAccounts.ec.clientId, '--secret-file', platform.serviceAccounts.ec.keyFile], { env: { AMPLIFY_TOKEN_STORE: 'file' } });
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr, '');
    } finally {
      await box.cleanup();
    }
  });

  test('AMPLIFY_TOKEN_STORE=keyring fails instead of falling back; nothing is stored', async () => {
    const box = await sandbox({}, KEYRING_PROCESSES);
    try {
      const before = platform.stats().tokenRequests.length;
      const out = await loginSecret(box, { AMPLIFY_TOKEN_STORE: 'keyring' });
      assert.equal(out.code, 1, out.stdout);
      const lines = out.stderr.trim().split('\n');
      assert.equal(lines.length, 1, out.stderr);
      assert.match(lines[0]!, /keyring/i);
      assert.match(lines[0]!, /AMPLIFY_TOKEN_STORE=file/);
      assert.doesNotMatch(out.stderr, /tokens are stored in/);
      assert.ok(!out.stderr.includes(platform.serviceAccounts.secret.clientSecret));
      const jsonOut = await loginSecret(box, { AMPLIFY_TOKEN_STORE: 'keyring' }, ['--json']);
      assert.equal(json<{ error: { code: string } }>(jsonOut).error.code, 'EKEYRING');
      for (const file of ['tokens.json', 'tokens.enc']) await assert.rejects(stat(join(box.configDir, file)), /ENOENT/, `${file} was written`);
      assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'], { env: { AMPLIFY_TOKEN_STORE: 'keyring' } })), []);
      const wasted = platform.stats().tokenRequests.length - before;
      if (wasted > 0) console.log(`# keyring-store: note: ${wasted} token request(s) were made before the keyring was found missing`);
    } finally {
      await box.cleanup();
    }
  });

  test('auth.tokenStore "keyring" in config.json fails the same way', async () => {
    const box = await sandbox({}, KEYRING_PROCESSES);
    try {
      await runProcess('mkdir', ['-p', box.configDir]);
      await writeFile(join(box.configDir, 'config.json'), `${JSON.stringify({ version: 1, auth: { defaultAccount: null, tokenStore: 'keyring' }, accounts: {}, bindings: [], issuers: {} })}\n`, { mode: 0o600 });
      const out = await loginSecret(box);
      assert.equal(out.code, 1, out.stdout);
      assert.match(out.stderr, /auth\.tokenStore is "keyring" in config\.json|keyring/);
      assert.doesNotMatch(out.stderr, /tokens are stored in/);
      for (const file of ['tokens.json', 'tokens.enc']) await assert.rejects(stat(join(box.configDir, file)), /ENOENT/, `${file} was written`);
      // The environment still wins over the config file.
      const file = await loginSecret(box, { AMPLIFY_TOKEN_STORE: 'file' }, ['--json']);
      assert.equal(file.code, 0, file.stderr);
      assert.equal(json<{ tokenStore: string }>(file).tokenStore, 'file');
    } finally {
      await box.cleanup();
    }
  });

  test('a tampered tokens.enc is reported as such even where no keyring answers', async () => {
    const box = await sandbox({}, KEYRING_PROCESSES);
    try {
      await runProcess('mkdir', ['-p', box.configDir]);
      const file = join(box.configDir, 'tokens.enc');
      const fake = `${JSON.stringify({ version: 1, alg: 'A256GCM', iv: randomBytes(12).toString('base64'), tag: randomBytes(16).toString('base64'), data: randomBytes(40).toString('base64') })} \n`;
      await writeFile(file, fake, { mode: 0o600 });
      const out = await box.amplify(['auth', 'token']);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /tokens\.enc failed its integrity check \(it is not byte for byte what amplify writes\)/);
      assert.equal(await readFile(file, 'utf8'), fake);
    } finally {
      await box.cleanup();
    }
  });
});

describe('sealing, with an in-memory keyring (runs everywhere)', () => {
  function memoryKeyring(): KeyringBackend & { items: Map<string, string>; failing?: Error } {
    const items = new Map<string, string>();
    const backend: KeyringBackend & { items: Map<string, string>; failing?: Error } = {
      items,
      get(service, account) {
        if (backend.failing) throw backend.failing;
        return items.get(`${service}/${account}`) ?? null;
      },
      set(service, account, secret) {
        if (backend.failing) throw backend.failing;
        items.set(`${service}/${account}`, secret);
      },
      delete(service, account) {
        return items.delete(`${service}/${account}`);
      },
    };
    return backend;
  }

  async function scratch<T>(fn: (configDir: string, keyring: ReturnType<typeof memoryKeyring>) => Promise<T>): Promise<T> {
    const configDir = await mkdtemp(join(tmpdir(), 'amplify-seal-'));
    try {
      return await fn(configDir, memoryKeyring());
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  }

  const silent = createLogger({ write: () => true } as unknown as NodeJS.WritableStream, false);
  const context = (configDir: string, keyring: KeyringBackend, env: Record<string, string> = {}) => ({ configDir, env, log: silent, keyring: async () => keyring });
  const entries: SecretMap = { [accountKey('a')]: { kind: 'account', accessToken: 'access-token-value', refreshToken: 'refresh-token-value' } };

  test('round trip; a fresh nonce and ciphertext per write; every flipped bit is EINTEGRITY naming the file', async () => {
    await scratch(async (configDir, keyring) => {
      const store = keyringStore(context(configDir, keyring));
      const ivs = new Set<string>();
      for (let i = 0; i < 20; i++) {
        await store.write(entries);
        ivs.add(parseSealed(await readFile(join(configDir, 'tokens.enc')), 'x').sealed.iv);
      }
      assert.equal(ivs.size, 20);
      assert.deepEqual(await keyringStore(context(configDir, keyring)).read(), entries);
      const file = join(configDir, 'tokens.enc');
      const original = await readFile(file);
      for (let at = 0; at < original.length; at++) {
        const bytes = Buffer.from(original);
        bytes[at]! ^= 0x04;
        await writeFile(file, bytes);
        await assert.rejects(store.read(), (error: unknown) => isAmplifyError(error, 'EINTEGRITY') && error.message.includes(file));
      }
      await writeFile(file, Buffer.concat([original, Buffer.from(' ')]));
      await assert.rejects(store.read(), (error: unknown) => isAmplifyError(error, 'EINTEGRITY'));
      await writeFile(file, original.subarray(0, original.length - 1));
      await assert.rejects(store.read(), (error: unknown) => isAmplifyError(error, 'EINTEGRITY'));
    });
  });

  test('another key (the keyring entry replaced) is EINTEGRITY; a key of the wrong size is EKEYRING; neither is overwritten', async () => {
    await scratch(async (configDir, keyring) => {
      await keyringStore(context(configDir, keyring)).write(entries);
      const { service, account } = keyringEntry(configDir);
      const file = join(configDir, 'tokens.enc');
      const sealed = await readFile(file);
      keyring.items.set(`${service}/${account}`, randomBytes(32).toString('base64'));
      await assert.rejects(keyringStore(context(configDir, keyring)).read(), (error: unknown) => isAmplifyError(error, 'EINTEGRITY'));
      keyring.items.set(`${service}/${account}`, randomBytes(16).toString('base64'));
      await assert.rejects(keyringStore(context(configDir, keyring)).read(), (error: unknown) => isAmplifyError(error, 'EKEYRING') && /not a 32-byte key/.test(error.message));
      await assert.rejects(keyringStore(context(configDir, keyring)).write(entries), (error: unknown) => isAmplifyError(error, 'EKEYRING'));
      assert.deepEqual(await readFile(file), sealed);
      assert.equal(Buffer.from(keyring.items.get(`${service}/${account}`)!, 'base64').length, 16, 'the bad key was left for the person to look at');
    });
  });

  test('store choice: default falls back with a notice; explicit keyring throws; env beats config; read paths never probe', async () => {
    await scratch(async (configDir, keyring) => {
      keyring.failing = new Error('no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set');
      const fallback = await chooseTokenStore(context(configDir, keyring), undefined, true);
      assert.equal(fallback.store.kind, 'file');
      assert.match(fallback.fallbackNotice ?? '', /no OS keyring answered \(no D-Bus session bus.*tokens are stored in .*tokens\.json \(mode 0600\)/);
      await assert.rejects(chooseTokenStore(context(configDir, keyring, { AMPLIFY_TOKEN_STORE: 'keyring' }), undefined, true), (error: unknown) => isAmplifyError(error, 'EKEYRING') && /AMPLIFY_TOKEN_STORE=keyring/.test(error.message));
      await assert.rejects(chooseTokenStore(context(configDir, keyring), 'keyring', true), (error: unknown) => isAmplifyError(error, 'EKEYRING') && /auth\.tokenStore is "keyring"/.test(error.message));
      assert.equal((await chooseTokenStore(context(configDir, keyring, { AMPLIFY_TOKEN_STORE: 'file' }), 'keyring', true)).store.kind, 'file');
      await assert.rejects(chooseTokenStore(context(configDir, keyring, { AMPLIFY_TOKEN_STORE: 'plaintext' }), undefined, true), (error: unknown) => isAmplifyError(error, 'ECONFIG'));
      keyring.failing = undefined;
      const quiet = await chooseTokenStore(context(configDir, keyring), undefined, false);
      assert.equal(keyring.items.size, 0, 'a read path made no key');
      assert.equal(quiet.fallbackNotice, undefined);
      const chosen = await chooseTokenStore(context(configDir, keyring), undefined, true);
      assert.equal(chosen.store.kind, 'keyring');
      assert.equal(chosen.fallbackNotice, undefined);
    });
  });
});
