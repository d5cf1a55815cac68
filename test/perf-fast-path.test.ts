// What a helper call loads and reads, checked by structure (never by time: npm run bench measures time).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FAST_TIER_REQUIRES } from '../src/bin/entries.js';
import { DOCKER_HELPER, GIT_HELPER, helper, loginSecret, mustRun } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { ROOT, sandbox, type RunResult, type Sandbox } from './support/cli.js';

/** Node's own modules no cached answer needs: each costs start-up time (net and tty: a stdio stream built; undici: fetch). */
const HEAVY_BUILTINS = ['net', 'tty', 'crypto', 'child_process', 'http', 'https', 'readline', 'worker_threads', 'internal/deps/undici/undici'];
/** Packages that belong to logins, refreshes, writes and the command tree: never in what a cached answer loads. */
const HEAVY_PACKAGES = /node_modules\/(openid-client|oauth4webapi|jose|clipanion|typanion|@inquirer|proper-lockfile|graceful-fs|write-file-atomic|signal-exit|open|https-proxy-agent|http-proxy-agent|agent-base|debug)\//;
/** This package's own request code (the HTTP client and the proxy choice): no cached answer needs it either. */
const REQUEST_CODE = /^\/\/ src\/(http|net\/proxy)\.ts$/gm;

// Preloaded into the helper through NODE_OPTIONS: at exit it writes what the process loaded and which files it read.
const CJS_PROBE = `
const fs = require('node:fs');
const reads = {};
const count = (file) => { const key = String(file); reads[key] = (reads[key] ?? 0) + 1; };
for (const [owner, name] of [[fs, 'readFileSync'], [fs, 'readFile'], [fs.promises, 'readFile']]) {
  const original = owner[name];
  owner[name] = function (file, ...rest) { count(file); return original.call(this, file, ...rest); };
}
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  fs.writeFileSync(process.env.AMPLIFY_PROBE_OUT, JSON.stringify({ cjs: Object.keys(require.cache), builtins, reads }));
});
`;
// The ES modules a process loads: a module hook (on a thread of its own) writes each URL down as it loads.
const ESM_HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.AMPLIFY_PROBE_ESM, url + '\\n');
  return next(url, context);
}
`;

interface Loaded {
  /** Files of this package loaded as CommonJS, relative to the package root. */
  cjs: string[];
  /** The packages (node_modules/<name>) any CommonJS file loaded came from, wherever they are installed. */
  packages: string[];
  builtins: string[];
  reads: Record<string, number>;
  /** Files of this package loaded as ES modules, relative to the package root. */
  esm: string[];
}

let platform: Platform;
let box: Sandbox;
let probeDir: string;
let origin: string;
let registry: string;

before(async () => {
  platform = await startPlatform({ quiet: true });
  box = await sandbox();
  probeDir = await mkdtemp(join(tmpdir(), 'amplify-perf-probe-'));
  await writeFile(join(probeDir, 'probe.cjs'), CJS_PROBE);
  await writeFile(join(probeDir, 'hooks.mjs'), ESM_HOOKS);
  await writeFile(join(probeDir, 'probe.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(probeDir, 'hooks.mjs')).href)});\n`);
  await loginSecret(box, platform);
  registry = `127.0.0.1:${platform.port}`;
  origin = registry;
  await mustRun(box, ['auth', 'setup', 'git', '--host', origin], { GIT_CONFIG_GLOBAL: join(box.home, 'gitconfig') });
  await mustRun(box, ['auth', 'setup', 'docker', '--registry', registry], { DOCKER_CONFIG: join(box.home, 'docker') });
});
after(async () => {
  await platform?.close();
  await box?.cleanup();
  if (probeDir) await rm(probeDir, { recursive: true, force: true });
});

const gitRequest = () => `protocol=http\nhost=${origin}\n\n`;
/** Whether file lies inside dir: a checkout at /tmp/amp holds /tmp/amp/x, not /tmp/amplify-x. */
const inside = (dir: string, file: string): boolean => file.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
const inPackage = (files: string[]): string[] => files.filter((f) => inside(ROOT, f)).map((f) => relative(ROOT, f)).sort();
const packagesOf = (files: string[]): string[] =>
  [...new Set(files.flatMap((f) => /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []))].sort();

/** The fast tier's own files besides the executable: its loader, and the tier (compiled through vm.Script, so read, not required). */
const TIER_FILES = ['dist/fast-start.cjs', 'dist/credential-fast.cjs'];
/** The packages (not Node's builtins) src/bin/entries.ts allows the fast tier. */
const FAST_TIER_PACKAGES = FAST_TIER_REQUIRES.filter((name) => !name.startsWith('node:'));

/**
 * What a cached call may load, the goal rather than a file list: the executable it ran, the tier's files and of the
 * packages only FAST_TIER_REQUIRES's; no ES module (Node loads its ES module loader only for one); none of Node's
 * heavy modules but `allowed`.
 */
function assertFastTierLoads(loaded: Loaded, executable: string, what: string, allowed: string[] = []): void {
  assert.ok(loaded.cjs.includes(executable), `${what}: ${executable} did not run (${loaded.cjs.join(', ')})`);
  assert.deepEqual(loaded.cjs.filter((f) => f !== executable && !TIER_FILES.includes(f)), [], `${what}: files of this package besides the fast tier's`);
  assert.deepEqual(loaded.packages.filter((name) => !FAST_TIER_PACKAGES.includes(name)), [], `${what}: packages outside FAST_TIER_REQUIRES`);
  assert.ok(!loaded.builtins.includes('internal/modules/esm/translators'), `${what}: an ES module was loaded`);
  assert.deepEqual(loaded.builtins.filter((b) => HEAVY_BUILTINS.includes(b) && !allowed.includes(b)), [], `${what}: Node modules a cached answer does not need`);
}

/**
 * Runs `run` with the CommonJS probe preloaded, and the ES module hook too where `esm` (a hook thread of its
 * own, so then the builtins say little); AMPLIFY_DEBUG=1 makes the fast tier say when it hands a call over.
 */
async function probed(run: (env: Record<string, string>) => Promise<RunResult>, esm = false): Promise<{ result: RunResult; loaded: Loaded }> {
  const out = join(probeDir, 'out.json');
  const esmList = join(probeDir, 'esm.txt');
  await writeFile(esmList, '');
  const result = await run({
    NODE_OPTIONS: `--require ${join(probeDir, 'probe.cjs')}${esm ? ` --import ${join(probeDir, 'probe.mjs')}` : ''}`,
    AMPLIFY_PROBE_OUT: out,
    AMPLIFY_PROBE_ESM: esmList,
    AMPLIFY_DEBUG: '1',
  });
  const seen = JSON.parse(await readFile(out, 'utf8')) as Omit<Loaded, 'esm' | 'packages'>;
  const urls = (await readFile(esmList, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
  return { result, loaded: { ...seen, cjs: inPackage(seen.cjs), packages: packagesOf(seen.cjs), esm: inPackage(urls.map((u) => new URL(u).pathname)) } };
}

const handedOver = (result: RunResult): boolean => /needed: the full build answers/.test(result.stderr);

async function bundled(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const packages = [...text.matchAll(new RegExp(HEAVY_PACKAGES, 'g'))].map((m) => m[1]!);
  return [...new Set([...packages, ...[...text.matchAll(REQUEST_CODE)].map((m) => m[0])])];
}

function assertLight(loaded: Loaded): void {
  assert.deepEqual(
    loaded.builtins.filter((b) => HEAVY_BUILTINS.includes(b)),
    [],
    'Node modules a cached answer does not need',
  );
}

describe('the helpers answer a cached token from one small file, reading each state file once', () => {
  test('git-credential-amplify get: the helper, dist/fast-start.cjs and the tier, no ES module, config and tokens read once', async () => {
    const { result, loaded } = await probed((env) => helper(box, GIT_HELPER, 'get', gitRequest(), env));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^password=.+$/m);
    assert.ok(!handedOver(result), result.stderr);
    // The tier is compiled through vm.Script (from V8's code cache when there is one), so not required.
    assertFastTierLoads(loaded, 'helpers/git-credential-amplify', 'git get');
    assert.equal(loaded.reads[join(ROOT, 'dist', 'credential-fast.cjs')], 1);
    assertLight(loaded);
    const reads = Object.entries(loaded.reads).filter(([file]) => inside(box.configDir, file));
    assert.deepEqual(reads.map(([file, n]) => [relative(box.configDir, file), n]).sort(), [
      ['config.json', 1],
      ['tokens.json', 1],
    ]);
  });

  test('docker-credential-amplify get: the same', async () => {
    const { result, loaded } = await probed((env) => helper(box, DOCKER_HELPER, 'get', registry, env));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"Secret":/);
    assert.ok(!handedOver(result), result.stderr);
    assertFastTierLoads(loaded, 'helpers/docker-credential-amplify', 'docker get');
    assertLight(loaded);
  });

  test('helpers/amplify credential kubectl (the bin, as kubeconfig runs it): the fast tier as well', async () => {
    const kubeInfo = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
    const launcher = join(ROOT, 'helpers', 'amplify');
    const { result, loaded } = await probed((env) => box.run(process.execPath, [launcher, 'credential', 'kubectl'], { env: { ...env, KUBERNETES_EXEC_INFO: kubeInfo } }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"token"/);
    assert.ok(!handedOver(result), result.stderr);
    assertFastTierLoads(loaded, 'helpers/amplify', 'credential');
    assertLight(loaded);
  });

  test('helpers/amplify credential npm --registry <url> --bearer (the bin, as the pnpm launcher runs it): the fast tier as well', async () => {
    const registry = 'https://npm.example.org/fast/';
    const setup = await box.amplify(['auth', 'setup', 'pnpm', '--registry', registry], { env: { NPM_CONFIG_USERCONFIG: join(box.home, 'fast.npmrc') } });
    assert.equal(setup.code, 0, setup.stderr);
    const launcher = join(ROOT, 'helpers', 'amplify');
    const { result, loaded } = await probed((env) => box.run(process.execPath, [launcher, 'credential', 'npm', '--registry', registry, '--bearer'], { env }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Bearer \S+\n$/);
    assert.ok(!handedOver(result), result.stderr);
    assertFastTierLoads(loaded, 'helpers/amplify', 'credential');
    assertLight(loaded);
  });

  test('the fast tier and its loader hold none of the login, refresh, write, proxy or command-tree packages', async () => {
    assert.deepEqual(await bundled('dist/credential-fast.cjs'), []);
    assert.deepEqual(await bundled('dist/fast-start.cjs'), []);
    // The check sees what it looks for: the helpers' full tier holds the request code and the proxy agents.
    const full = await bundled('dist/credential-full.cjs');
    for (const name of ['// src/http.ts', '// src/net/proxy.ts', 'https-proxy-agent', 'agent-base']) assert.ok(full.includes(name), name);
  });

  test('behind a proxy, a cached get loads none of the proxy code and makes no request', async () => {
    const { createServer } = await import('node:net');
    let connections = 0;
    const proxy = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const proxied = { HTTPS_PROXY: `http://user:pw-of-proxy@127.0.0.1:${port}`, HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '' };
    try {
      const { result, loaded } = await probed((env) => helper(box, GIT_HELPER, 'get', gitRequest(), { ...env, ...proxied }));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^password=.+$/m);
      assert.ok(!handedOver(result), result.stderr);
      assertFastTierLoads(loaded, 'helpers/git-credential-amplify', 'git get behind a proxy');
      assertLight(loaded);
      assert.equal(connections, 0);
    } finally {
      proxy.close();
    }
  });

  test('dist/amplify.js credential kubectl (the ES module CLI, run directly): none of those packages either', async () => {
    const kubeInfo = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
    const kubectl = (env: Record<string, string>) => box.amplify(['credential', 'kubectl'], { env: { ...env, KUBERNETES_EXEC_INFO: kubeInfo } });
    const { result, loaded } = await probed(kubectl, true);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"token"/);
    assert.equal(loaded.esm[0], 'dist/amplify.js');
    for (const file of loaded.esm) assert.deepEqual(await bundled(file), [], file);
    assertLight((await probed(kubectl)).loaded);
  });

  test('amplify auth ls and ls --json (the bin): the fast tier too, config.json read once and nothing else', async () => {
    const launcher = join(ROOT, 'helpers', 'amplify');
    for (const args of [['auth', 'ls'], ['auth', 'list', '--json']]) {
      const { result, loaded } = await probed((env) => box.run(process.execPath, [launcher, ...args], { env }));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /sa-secret/);
      assertFastTierLoads(loaded, 'helpers/amplify', `amplify ${args.join(' ')}`);
      assertLight(loaded);
      const reads = Object.entries(loaded.reads).filter(([file]) => inside(box.configDir, file));
      assert.deepEqual(reads.map(([file, n]) => [relative(box.configDir, file), n]), [['config.json', 1]]);
    }
    // The same table as the command tree's.
    const direct = await box.amplify(['auth', 'ls', '--json']);
    const fast = await box.run(process.execPath, [launcher, 'auth', 'ls', '--json']);
    assert.equal(fast.stdout, direct.stdout);
  });
});

describe('the commands scripts run on every use answer from the fast tier too (helpers/amplify, cached token)', () => {
  const launcher = () => join(ROOT, 'helpers', 'amplify');
  /** What a cached command may load: the bin, the loader and the tier, no ES module, none of Node's heavy modules. */
  async function fastCommand(args: string[], allowed: string[] = []): Promise<RunResult> {
    const { result, loaded } = await probed((env) => box.run(process.execPath, [launcher(), ...args], { env }));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!handedOver(result), result.stderr);
    // No ES module: the CLI (clipanion), openid-client and the prompts are only in ES module chunks and the full tier.
    assertFastTierLoads(loaded, 'helpers/amplify', `amplify ${args.join(' ')}`, allowed);
    const reads = Object.keys(loaded.reads).filter((file) => inside(ROOT, file) && file.endsWith('.cjs') && !/(fast-start|credential-fast)\.cjs$/.test(file));
    assert.deepEqual(reads, [], 'only the loader and the fast tier are read');
    return result;
  }

  test('auth token and auth token --json --account <name> --min-validity 30', async () => {
    const plain = await fastCommand(['auth', 'token']);
    assert.match(plain.stdout, /^[\w.-]{20,}\n$/);
    const asJson = JSON.parse((await fastCommand(['auth', 'token', '--json', '--account', 'sa-secret', '--min-validity=30'])).stdout) as { account: string; token: string };
    assert.equal(asJson.account, 'sa-secret');
    assert.equal(`${asJson.token}\n`, plain.stdout);
  });

  test('auth exec -- <command>: the child has the token; node:child_process (which loads node:net) is all it adds', async () => {
    const result = await fastCommand(['auth', 'exec', '--', 'sh', '-c', 'printf "%s %s" "$AMPLIFY_ACCOUNT" "${#AMPLIFY_TOKEN}"'], ['child_process', 'net']);
    assert.match(result.stdout, /^sa-secret [1-9][0-9]+$/);
  });

  test('auth whoami, auth whoami --json <account>, --version', async () => {
    assert.match((await fastCommand(['auth', 'whoami'])).stdout, /^Account: {2}sa-secret \(default\)$/m);
    assert.equal((JSON.parse((await fastCommand(['auth', 'whoami', '--json', 'sa-secret'])).stdout) as { name: string }).name, 'sa-secret');
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await fastCommand(['--version'])).stdout, `${version}\n`);
  });
});

describe('a call that needs more than a read goes to the full tier, once', () => {
  test('get after erase: the fast tier hands over to the full tier; one token request; the new token is answered', async () => {
    const first = await helper(box, GIT_HELPER, 'get', gitRequest());
    const old = /^password=(.+)$/m.exec(first.stdout)![1]!;
    const erase = await helper(box, GIT_HELPER, 'erase', `${gitRequest().trimEnd()}\nusername=oauth2\npassword=${old}\n\n`);
    assert.equal(erase.code, 0, erase.stderr);
    platform.resetStats();
    const { result, loaded } = await probed((env) => helper(box, GIT_HELPER, 'get', gitRequest(), env));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(handedOver(result), result.stderr);
    // To the helpers' full tier, CommonJS as well (dist/credential-full.cjs): no ES module loader, and Node's HTTP
    // client rather than fetch, whose WebAssembly parser would be compiled for this one request.
    assert.equal(loaded.reads[join(ROOT, 'dist', 'credential-full.cjs')], 1);
    assert.ok(!loaded.builtins.includes('internal/modules/esm/translators'), 'an ES module was loaded');
    assert.ok(loaded.builtins.includes('http'), 'node:http was not used');
    const fresh = /^password=(.+)$/m.exec(result.stdout)?.[1];
    assert.ok(fresh && fresh !== old, result.stdout);
    assert.equal(platform.stats().tokenRequests.length, 1);
    // What the fast tier would have written is dropped: one answer, not two.
    assert.equal(result.stdout.match(/^password=/gm)?.length, 1);
  });

  test('with the issuer gone, a cached get still answers, without a word on stderr', async () => {
    await platform.close();
    const result = await helper(box, GIT_HELPER, 'get', gitRequest());
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^password=.+$/m);
    assert.equal(result.stderr, '');
  });
});
