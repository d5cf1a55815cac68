// npm run bench: what a credential-helper call costs next to starting Node, every case measured side by side in one run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { putBinding } from '../src/accounts/bindings.js';
import { createContext } from '../src/context.js';
import { mutateState } from '../src/store/state.js';
import { accountKey } from '../src/store/tokens.js';
import { startPlatform, type Platform } from '../test/platform/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// What `amplify` runs once installed (kubectl's exec entry names the same file): the package's bin.
const AMPLIFY = join(ROOT, (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.amplify!);
const GIT_HELPER = join(ROOT, 'helpers', 'git-credential-amplify');
const DOCKER_HELPER = join(ROOT, 'helpers', 'docker-credential-amplify');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const STORM = Number(process.env.BENCH_STORM ?? 50);
const STORM_ROUNDS = Number(process.env.BENCH_STORM_ROUNDS ?? 5);
const KUBE_EXEC_INFO = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });

interface RunResult {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end, timing from spawn to exit; stdin gets `input` and is then closed. */
function runTimed(command: string, args: string[], env: Record<string, string>, input = ''): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

interface Sandbox {
  home: string;
  /** The caller's environment (as git would pass it on) with the sandbox's paths. */
  env: Record<string, string>;
  /** Only PATH and the sandbox's paths: what Node costs without, say, NODE_EXTRA_CA_CERTS. */
  cleanEnv: Record<string, string>;
  origin: string;
}

// Variables that would point a run at the caller's own accounts, tools or a debugger instead of the sandbox.
const FOREIGN = /^(AMPLIFY_|GIT_|DOCKER_|KUBE|NODE_OPTIONS$|DBUS_SESSION_BUS_ADDRESS$|BROWSER$)/;
const inherited = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !FOREIGN.test(e[0])));

/** A throwaway HOME with the platform's secret service account logged in and the platform bound for git and docker. */
async function sandbox(platform: Platform, label: string, extra: (home: string) => Promise<Record<string, string>> = async () => ({})): Promise<Sandbox> {
  const home = await mkdtemp(join(tmpdir(), `amplify-bench-${label}-`));
  const own: Record<string, string> = {
    PATH: `${join(ROOT, 'helpers')}:${process.env.PATH ?? ''}`,
    HOME: home,
    AMPLIFY_HOME: join(home, 'amplify'),
    AMPLIFY_TOKEN_STORE: 'file',
    // The helpers' code cache (src/bin/fast-start.ts) stays in the sandbox too.
    XDG_CACHE_HOME: join(home, 'cache'),
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    DOCKER_CONFIG: join(home, 'docker'),
    KUBERNETES_EXEC_INFO: KUBE_EXEC_INFO,
    ...(await extra(home)),
  };
  const env = { ...inherited(), ...own };
  await writeFile(own.GIT_CONFIG_GLOBAL!, '');
  const host = `127.0.0.1:${platform.port}`;
  const sa = platform.serviceAccounts.secret;
  const steps = [
    ['auth', 'login', '--issuer', platform.issuer, '--platform-url', platform.platformUrl, '--client-id', sa.clientId],
    ['auth', 'setup', 'git', '--host', host],
    ['auth', 'setup', 'docker', '--registry', host],
  ];
  for (const args of steps) {
    const result = await runTimed(process.execPath, [AMPLIFY, ...args], { ...env, AMPLIFY_CLIENT_SECRET: sa.clientSecret });
    if (result.code !== 0) throw new Error(`amplify ${args.slice(0, 3).join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return { home, env, cleanEnv: own, origin: host };
}

/**
 * A D-Bus session bus with gnome-keyring's Secret Service on it, unlocked, keeping its keyring under `home`: what a
 * Linux desktop gives the keyring store. Undefined (with the reason) where either program is missing.
 */
async function startSecretService(home: string): Promise<{ address: string; stop: () => void } | { missing: string }> {
  const found = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!found('dbus-daemon') || !found('gnome-keyring-daemon')) return { missing: 'dbus-daemon or gnome-keyring-daemon is not installed (apt-get install -y gnome-keyring dbus-x11)' };
  const bus = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
  const [address, pid] = bus.stdout.trim().split('\n');
  if (bus.status !== 0 || !address || !pid) return { missing: `dbus-daemon did not start: ${bus.stderr.trim()}` };
  const stop = () => process.kill(Number(pid));
  const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { input: 'bench', env: { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: address }, encoding: 'utf8' });
  if (keyring.status !== 0) {
    stop();
    return { missing: `gnome-keyring-daemon did not start: ${keyring.stderr.trim()}` };
  }
  return { address, stop };
}

const installed = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** gh with one host logged in through its config file alone (no keyring, no network): what `gh auth token` reads. */
async function ghConfig(home: string): Promise<string> {
  const dir = join(home, 'gh');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'hosts.yml'), `github.com:\n    oauth_token: gho_${'b'.repeat(36)}\n    user: bench\n    git_protocol: https\n`, { mode: 0o600 });
  return dir;
}

/** Grows a sandbox to `accounts` accounts and `bindings` git bindings, through the store's own write path. */
async function grow(box: Sandbox, accounts: number, bindings: number): Promise<void> {
  const ctx = createContext({ env: box.env });
  await mutateState(ctx, (state) => {
    const [real] = Object.values(state.config.accounts);
    if (!real) throw new Error('the sandbox has no account to copy');
    const secrets = state.secrets[accountKey(real.name)];
    if (secrets?.kind !== 'account') throw new Error(`${real.name} has no tokens to copy`);
    for (let i = 1; i < accounts; i++) {
      const name = `bench-${String(i).padStart(3, '0')}`;
      state.config.accounts[name] = { ...structuredClone(real), name };
      state.secrets[accountKey(name)] = { ...structuredClone(secrets), accessToken: `bench-token-${i}-${'x'.repeat(40)}` };
    }
    // The sandbox's own binding stays; the others name other hosts (and, cycling, the other accounts).
    const names = Object.keys(state.config.accounts);
    for (let i = 1; i < bindings; i++) {
      putBinding(state.config, { tool: 'git', host: `https://git-${i}.bench.example`, account: names[i % names.length]!, username: null });
    }
  });
}

const gitRequest = (box: Sandbox): string => `protocol=http\nhost=${box.origin}\n\n`;
const tokenOf = (gitAnswer: string): string | undefined => /^password=(.+)$/m.exec(gitAnswer)?.[1];

interface Case {
  name: string;
  /** What the issue asks of it: a ceiling on the ratio to `node -e 0`. */
  goal?: number;
  /** Timed inside this process (no process started): no ratio to `node -e 0`. */
  inProcess?: boolean;
  /** Untimed work before each timed run. */
  before?: () => Promise<void>;
  run: () => Promise<RunResult>;
  /** Throws when the answer is not the one expected: a benchmark of an error path measures nothing. */
  check: (result: RunResult) => void;
}

function expectOk(what: string, test: (stdout: string) => boolean): (result: RunResult) => void {
  return (result) => {
    if (result.code !== 0 || !test(result.stdout)) throw new Error(`${what}: unexpected answer (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Row {
  name: string;
  median: number;
  p90: number;
  ratio: number;
  /** Milliseconds over `node -e 0`: what the environment does not change. */
  extra: number;
  goal?: number;
  inProcess?: boolean;
}

/** Interleaves the cases (one run of each in turn, so that drift in the machine's load hits all alike). */
async function measure(cases: Case[], runs: number, warmup: number): Promise<Row[]> {
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of cases) {
      await c.before?.();
      const result = await c.run();
      c.check(result);
      if (i >= warmup) times.get(c.name)!.push(result.ms);
    }
  }
  const base = median(times.get(cases[0]!.name)!);
  return cases.map((c) => {
    const sorted = [...times.get(c.name)!].sort((a, b) => a - b);
    const m = median(sorted);
    return { name: c.name, median: m, p90: quantile(sorted, 0.9), ratio: m / base, extra: m - base, goal: c.goal, inProcess: c.inProcess };
  });
}

function table(rows: Row[]): string {
  const lines = ['| case | median ms | p90 ms | × node -e 0 | ms over node | goal |', '|---|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    const goal = r.goal === undefined ? '' : `≤ ${r.goal.toFixed(2)} ${r.ratio <= r.goal ? 'met' : '**not met**'}`;
    const versus = r.inProcess ? '| |' : `| ${r.ratio.toFixed(2)} | ${r.extra >= 0 ? '+' : ''}${r.extra.toFixed(1)} |`;
    lines.push(`| ${r.name} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} ${versus} ${goal} |`);
  }
  return lines.join('\n');
}

function machine(): string {
  const cpu = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} logical cores, ${gib} GiB; ${process.platform} ${release()}; Node ${process.version}`;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const out: string[] = [];
  const say = (line = ''): void => {
    out.push(line);
    console.log(line);
  };
  const loadBefore = load();
  /** The rows of issue 13's table, from the clean-environment runs above (each against its own run's node -e 0). */
  const summary: Row[] = [];
  const platform = await startPlatform({});
  const boxes: Sandbox[] = [];
  try {
    const box = await sandbox(platform, 'main');
    const accounts10 = await sandbox(platform, 'a10');
    const accounts100 = await sandbox(platform, 'a100');
    boxes.push(box, accounts10, accounts100);
    await grow(accounts10, 10, 10);
    await grow(accounts100, 100, 100);

    const nodeIn = (env: Record<string, string>): Case => ({ name: 'node -e 0', run: () => runTimed(process.execPath, ['-e', '0'], env), check: expectOk('node -e 0', () => true) });
    const node = nodeIn(box.env);
    const gitGet = (from: Sandbox, name: string, goal?: number, env = from.env): Case => ({
      name,
      goal,
      run: () => runTimed(GIT_HELPER, ['get'], env, gitRequest(from)),
      check: expectOk(name, (stdout) => tokenOf(stdout) !== undefined),
    });
    const dockerGet = (env: Record<string, string>): Case => ({
      name: 'docker-credential-amplify get (cached)',
      goal: 1.15,
      run: () => runTimed(DOCKER_HELPER, ['get'], env, box.origin),
      check: expectOk('docker get', (stdout) => stdout.includes('"Secret"')),
    });
    const kubectl = (env: Record<string, string>): Case => ({
      name: 'amplify credential kubectl (cached)',
      goal: 1.15,
      run: () => runTimed(process.execPath, [AMPLIFY, 'credential', 'kubectl'], env),
      check: expectOk('kubectl', (stdout) => stdout.includes('"token"')),
    });
    const list = (env: Record<string, string>): Case => ({
      name: 'amplify auth ls',
      goal: 1.5,
      run: () => runTimed(process.execPath, [AMPLIFY, 'auth', 'ls'], env),
      check: expectOk('auth ls', (s) => s.includes('sa-secret')),
    });
    // The first call after an install or an upgrade: no code cache yet (each run empties a cache directory of its own).
    const uncached = (env: Record<string, string>): Case => ({
      name: 'git get (cached token), no code cache yet',
      before: () => rm(join(box.home, 'cold-cache'), { recursive: true, force: true }),
      run: () => runTimed(GIT_HELPER, ['get'], { ...env, XDG_CACHE_HOME: join(box.home, 'cold-cache') }, gitRequest(box)),
      check: expectOk('git get without a code cache', (stdout) => tokenOf(stdout) !== undefined),
    });
    // Each run of the refreshing get first has git erase the token it holds, as git does after a 401.
    let held: string | undefined;
    const refreshingGet = (env: Record<string, string>): Case => ({
      name: 'git get, refreshing (erase first)',
      before: async () => {
        held ??= tokenOf((await runTimed(GIT_HELPER, ['get'], env, gitRequest(box))).stdout);
        await runTimed(GIT_HELPER, ['erase'], env, `${gitRequest(box).trimEnd()}\nusername=oauth2\npassword=${held}\n\n`);
        platform.resetStats();
      },
      run: () => runTimed(GIT_HELPER, ['get'], env, gitRequest(box)),
      check: (result) => {
        const token = tokenOf(result.stdout);
        const requests = platform.stats().tokenRequests.length;
        if (result.code !== 0 || !token || token === held || requests !== 1) {
          throw new Error(`refreshing get: expected a new token after one token request, got ${requests} requests (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
        }
        held = token;
      },
    });
    // What one token request costs a process of its own: Node's start, node:http, the round trip, the exit.
    const sa = platform.serviceAccounts.secret;
    const basic = `Basic ${Buffer.from(`${sa.clientId}:${sa.clientSecret}`).toString('base64')}`;
    const oneRequestScript = `const r = require('node:http').request(process.argv[1], { method: 'POST', headers: { authorization: process.env.BENCH_BASIC, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => { let body = ''; res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => process.stdout.write(body)); }); r.end('grant_type=client_credentials');`;
    const processTrip = (env: Record<string, string>): Case => ({
      name: 'node: one token request (node:http) and exit',
      run: () => runTimed(process.execPath, ['-e', oneRequestScript, platform.endpoints.token], { ...env, BENCH_BASIC: basic }),
      check: expectOk('one token request', (body) => body.includes('access_token')),
    });
    const roundTrip: Case = {
      name: 'one issuer round trip (token request, in-process)',
      inProcess: true,
      run: async () => {
        const started = process.hrtime.bigint();
        const response = await fetch(platform.endpoints.token, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        const body = await response.text();
        return { ms: Number(process.hrtime.bigint() - started) / 1e6, code: response.ok ? 0 : 1, stdout: body, stderr: '' };
      },
      check: expectOk('token request', (body) => body.includes('access_token')),
    };

    say('## amplify-auth helper benchmark');
    say();
    say(`Machine: ${machine()}. Load average at start: ${loadBefore}.`);
    say(`Environment: inherited${process.env.NODE_EXTRA_CA_CERTS ? ', with NODE_EXTRA_CA_CERTS set' : ''} (minus AMPLIFY_*, GIT_*, DOCKER_*, KUBE*, NODE_OPTIONS), plus a sandbox HOME, AMPLIFY_TOKEN_STORE=file and the platform bound for git and docker.`);
    say(`Each case ran ${RUNS} times after ${WARMUP} warm-up runs, interleaved with the others; times are wall clock from spawn to exit.`);
    say();
    say('### One call');
    say();
    const single = await measure(
      [
        node,
        gitGet(box, 'git-credential-amplify get (cached)', 1.15),
        dockerGet(box.env),
        kubectl(box.env),
        list(box.env),
        uncached(box.env),
        refreshingGet(box.env),
        processTrip(box.env),
        roundTrip,
      ],
      RUNS,
      WARMUP,
    );
    say(table(single));
    const [, cached, , , , , refreshing, ownProcess, trip] = single as Row[] as [Row, Row, Row, Row, Row, Row, Row, Row, Row];
    const extra = refreshing.median - cached.median;
    say();
    say(
      `A refreshing get costs ${extra.toFixed(1)} ms more than a cached one, and makes one request (the token request; checked on every run). ` +
        `One issuer round trip takes ${trip.median.toFixed(1)} ms inside a running process, and ${ownProcess.extra.toFixed(1)} ms over \`node -e 0\` ` +
        `for a process of its own (node:http loaded, one request, exit). Goal, the extra within one round trip: ` +
        `${extra <= trip.median ? 'met' : '**not met**'} against the first, ${extra <= ownProcess.extra ? 'met' : '**not met**'} against the second.`,
    );

    say();
    say('### One call, in a clean environment');
    say();
    say(`Only PATH and the sandbox's variables, so that Node starts as fast as it can${process.env.NODE_EXTRA_CA_CERTS ? ' (the run above inherits NODE_EXTRA_CA_CERTS: every node process reads those certificates at start-up)' : ''}.`);
    say();
    say(
      table(
        await measure(
          [
            nodeIn(box.cleanEnv),
            gitGet(box, 'git-credential-amplify get (cached)', 1.15, box.cleanEnv),
            dockerGet(box.cleanEnv),
            kubectl(box.cleanEnv),
            list(box.cleanEnv),
            uncached(box.cleanEnv),
            refreshingGet(box.cleanEnv),
            processTrip(box.cleanEnv),
          ],
          RUNS,
          WARMUP,
        ),
      ),
    );

    // Issue 13: what scripts, CI steps and editors run on every use, in the clean environment the issue measured in,
    // with gh's equivalent in the same run.
    const cmd = (name: string, args: string[], goal: number | undefined, env: Record<string, string>, test: (stdout: string) => boolean): Case => ({
      name,
      goal,
      run: () => runTimed(process.execPath, [AMPLIFY, ...args], env),
      check: expectOk(name, test),
    });
    const looksLikeToken = (stdout: string) => /^[\w.-]{20,}\n$/.test(stdout);
    const ghPeer = (env: Record<string, string>, dir: string): Case => ({
      name: '`gh auth token` (peer)',
      run: () => runTimed('gh', ['auth', 'token'], { ...env, GH_CONFIG_DIR: dir }),
      check: expectOk('gh auth token', (stdout) => stdout.startsWith('gho_')),
    });
    const commands = (env: Record<string, string>): Case[] => [
      nodeIn(env),
      cmd('amplify auth token', ['auth', 'token'], 1.2, env, looksLikeToken),
      cmd('amplify auth exec -- true', ['auth', 'exec', '--', 'true'], 1.25, env, (stdout) => stdout === ''),
      // What exec cannot go below: Node, node:child_process (which loads node:net) and a child started and waited for.
      {
        name: 'node: spawn `true` and wait (the floor of exec)',
        run: () => runTimed(process.execPath, ['-e', "require('node:child_process').spawn('true', [], { stdio: 'inherit' }).on('exit', (c) => (process.exitCode = c))"], env),
        check: expectOk('spawn true', () => true),
      },
      cmd('amplify auth whoami', ['auth', 'whoami'], 1.2, env, (stdout) => stdout.startsWith('Account:')),
      cmd('amplify auth whoami --json', ['auth', 'whoami', '--json'], 1.2, env, (stdout) => stdout.includes('"name"')),
      cmd('amplify --version', ['--version'], 1.2, env, (stdout) => /^\d+\.\d+\.\d+/.test(stdout)),
      { ...kubectl(env), goal: 1.2 },
      cmd('amplify auth ls', ['auth', 'ls'], 1.2, env, (stdout) => stdout.includes('sa-secret')),
      gitGet(box, 'git-credential-amplify get (cached)', 1.15, env),
    ];
    say();
    say('### The commands scripts run, in a clean environment');
    say();
    const gh = installed('gh') ? await ghConfig(box.home) : undefined;
    say(
      `Each with a cached token, from the package's bin (\`node helpers/amplify ...\`, as npm installs it), in the clean environment; ${gh ? '`gh auth token` (gh ' + (spawnSync('gh', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.replace(/^gh version /, '') ?? '?') + ', logged in through its hosts.yml) in the same run.' : 'gh is not installed here (`apt-get install gh`), so its peer row is missing.'}`,
    );
    say();
    const commandRows = await measure([...commands(box.cleanEnv), ...(gh ? [ghPeer(box.cleanEnv, gh)] : [])], RUNS, WARMUP);
    say(table(commandRows));
    summary.push(...commandRows.slice(1));
    say();
    say('The same in this machine\'s environment (inherited, as above):');
    say();
    say(table(await measure([...commands(box.env), ...(gh ? [ghPeer(box.env, gh)] : [])], RUNS, WARMUP)));

    say();
    say('### The keyring store (the default where a Secret Service runs, as on a Linux desktop)');
    say();
    let stopSecretService = (): void => undefined;
    const keyringBox = await sandbox(platform, 'keyring', async (home) => {
      const service = await startSecretService(home);
      if ('missing' in service) throw new Error(service.missing);
      stopSecretService = service.stop;
      return { AMPLIFY_TOKEN_STORE: 'keyring', DBUS_SESSION_BUS_ADDRESS: service.address };
    }).catch((error: unknown) => error as Error);
    if (keyringBox instanceof Error) {
      say(`Skipped: ${keyringBox.message}.`);
    } else {
      boxes.push(keyringBox);
      try {
      say(
        'A gnome-keyring Secret Service on a private D-Bus session. A cached lookup reads `tokens.enc` and its access-token cache (`access-cache.json`, rewritten with every seal); only when the cache is stale (another `tokens.enc`) does it load the native keyring module, open a Secret Service session, read the data key and decrypt with node:crypto: that is the "cache removed" row, which removes the cache before each run.',
      );
      say();
      const keyringGet = (env: Record<string, string>) => gitGet(keyringBox, 'git-credential-amplify get (cached), keyring store', 1.25, env);
      const cacheFile = join(keyringBox.env.AMPLIFY_HOME!, 'access-cache.json');
      // The cold case takes the cache away for its run (taken as it is then, in case a refresh rewrote it); the next
      // cached case puts it back.
      let savedCache = await readFile(cacheFile);
      const keyringCold = (env: Record<string, string>): Case => ({
        ...gitGet(keyringBox, 'git get, keyring store, access-token cache removed', undefined, env),
        before: async () => {
          savedCache = await readFile(cacheFile).catch(() => savedCache);
          await rm(cacheFile, { force: true });
        },
      });
      const restoreCache = (): Promise<void> => writeFile(cacheFile, savedCache, { mode: 0o600 });
      const keyringToken = (env: Record<string, string>): Case => ({ ...cmd('amplify auth token, keyring store', ['auth', 'token'], 1.2, env, looksLikeToken), before: restoreCache });
      // docker's own Secret Service helper (Go), reading a credential stored in the same gnome-keyring.
      const peerUrl = 'https://peer.bench.example';
      const dockerPeer = installed('docker-credential-secretservice')
        ? await runTimed('docker-credential-secretservice', ['store'], keyringBox.env, JSON.stringify({ ServerURL: peerUrl, Username: 'bench', Secret: `peer-${'s'.repeat(30)}` })).then((r) =>
            r.code === 0 ? undefined : `docker-credential-secretservice store failed: ${r.stdout}${r.stderr}`,
          )
        : 'docker-credential-secretservice is not installed here (`apt-get install golang-docker-credential-helpers`), so its peer row is missing';
      const peer = (env: Record<string, string>): Case[] =>
        dockerPeer === undefined
          ? [{ name: '`docker-credential-secretservice get` (peer)', run: () => runTimed('docker-credential-secretservice', ['get'], env, peerUrl), check: expectOk('docker-credential-secretservice get', (stdout) => stdout.includes('"Secret"')) }]
          : [];
      if (dockerPeer) {
        say(`${dockerPeer}.`);
        say();
      }
      const keyringCases = (env: Record<string, string>): Case[] => [nodeIn(env), { ...keyringGet(env), before: restoreCache }, keyringToken(env), keyringCold(env), ...peer(env)];
      say('In a clean environment (only PATH, the sandbox and the bus):');
      say();
      const keyringRows = await measure(keyringCases({ ...keyringBox.cleanEnv, DBUS_SESSION_BUS_ADDRESS: keyringBox.env.DBUS_SESSION_BUS_ADDRESS! }), RUNS, WARMUP);
      say(table(keyringRows));
      summary.push(...keyringRows.slice(1));
      say();
      say('In this machine\'s environment:');
      say();
      say(table(await measure(keyringCases(keyringBox.env), RUNS, WARMUP)));
      await restoreCache();
      } finally {
        stopSecretService();
      }
    }

    say();
    say('### As the store grows (cached git get)');
    say();
    const growth = await measure(
      [node, gitGet(box, '1 account, 1 git binding'), gitGet(accounts10, '10 accounts, 10 git bindings'), gitGet(accounts100, '100 accounts, 100 git bindings')],
      RUNS,
      WARMUP,
    );
    say(table(growth));

    say();
    say(`### ${STORM} concurrent gets on an expired token`);
    say();
    const storm = await concurrentGets(platform, box, STORM, STORM_ROUNDS);
    const one = refreshing.median;
    say(`| case | median wall ms (${STORM_ROUNDS} rounds) | token requests at the issuer | × one refreshing get |`);
    say('|---|---:|---:|---:|');
    say(`| ${STORM} × node -e 0 (the floor) | ${storm.node.toFixed(0)} | | ${(storm.node / one).toFixed(1)} |`);
    say(`| ${STORM} gets, token valid | ${storm.cached.toFixed(0)} | 0 | ${(storm.cached / one).toFixed(1)} |`);
    say(`| ${STORM} gets, token expired | ${storm.expired.toFixed(0)} | ${storm.requests.join(', ')} | ${(storm.expired / one).toFixed(1)} |`);
    say();
    say(
      `The goal (within 3 × one get: ${(3 * one).toFixed(0)} ms) is ${storm.expired <= 3 * one ? 'met' : '**not met**'}; ` +
        `the expired storm costs ${(storm.expired / storm.cached).toFixed(2)} × the same storm on a valid token and ${(storm.expired / storm.node).toFixed(2)} × ${STORM} processes that only start Node ` +
        `(${cpus().length} cores here: ${STORM} Node starts alone ${storm.node <= 3 * one ? 'fit' : 'do not fit'} in 3 × one get).`,
    );
    say();
    say('### Issue 13: every row of its table, in one place');
    say();
    say('From the clean-environment runs above; each ratio is to `node -e 0` of the same run.');
    say();
    say('| command (cached token) | × node -e 0 | goal |');
    say('|---|---:|---|');
    for (const row of summary) {
      say(`| ${row.name} | ${row.ratio.toFixed(2)} | ${row.goal === undefined ? '' : `≤ ${row.goal.toFixed(2)} ${row.ratio <= row.goal ? 'met' : `**not met** (by ${(row.ratio - row.goal).toFixed(2)})`}`} |`);
    }
    say();
    say(`Load average at the end: ${load()}.`);
    if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, `${out.join('\n')}\n`);
  } finally {
    await platform.close();
    await Promise.all(boxes.map((box) => rm(box.home, { recursive: true, force: true })));
  }
}

/** Starts `count` git gets at once, on a valid token and then (after an erase) on a dropped one; medians over `rounds`. */
async function concurrentGets(platform: Platform, box: Sandbox, count: number, rounds: number): Promise<{ node: number; cached: number; expired: number; requests: number[] }> {
  const nodeTimes: number[] = [];
  const cachedTimes: number[] = [];
  const expiredTimes: number[] = [];
  const requests: number[] = [];
  // The floor: as many Node processes that do nothing, started at once on the same cores.
  const idle = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: count }, () => runTimed(process.execPath, ['-e', '0'], box.env)));
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const storm = async (): Promise<{ ms: number; tokens: Set<string> }> => {
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: count }, () => runTimed(GIT_HELPER, ['get'], box.env, gitRequest(box))));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const tokens = new Set(results.map((r) => tokenOf(r.stdout) ?? `failed: exit ${r.code}: ${r.stderr.trim()}`));
    return { ms, tokens };
  };
  for (let i = 0; i < rounds; i++) {
    nodeTimes.push(await idle());
    const valid = await storm();
    if (valid.tokens.size !== 1) throw new Error(`concurrent cached gets disagreed: ${[...valid.tokens].join(' | ')}`);
    cachedTimes.push(valid.ms);
    const [token] = valid.tokens;
    await runTimed(GIT_HELPER, ['erase'], box.env, `${gitRequest(box).trimEnd()}\nusername=oauth2\npassword=${token}\n\n`);
    platform.resetStats();
    const expired = await storm();
    if (expired.tokens.size !== 1 || expired.tokens.has(token!)) throw new Error(`concurrent refreshing gets: expected one new token, got ${[...expired.tokens].join(' | ')}`);
    expiredTimes.push(expired.ms);
    requests.push(platform.stats().tokenRequests.length);
  }
  return { node: median(nodeTimes), cached: median(cachedTimes), expired: median(expiredTimes), requests };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
