// Secrets never leak: every command with AMPLIFY_DEBUG=1, then every byte of output and every file under HOME but the
// token store is searched for each issued token, the client secrets, the passwords and the PEM bodies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlatform, type Platform } from './platform/index.js';
import { approveDevice, completeAuthorization } from './platform/browserless.js';
import { AMPLIFY_BIN, filesUnder, HELPERS, json, runProcess, sandbox, type RunResult, type Sandbox } from './support/cli.js';
import { holdPort3000 } from './support/port3000.js';

const DEBUG = { AMPLIFY_DEBUG: '1' };
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

interface Recorded {
  what: string;
  result: RunResult;
  /** stdout is allowed to carry a token (auth token, a helper's get, the kubectl plugin). */
  stdoutMayCarryToken: boolean;
}

let platform: Platform;
let box: Sandbox;
const recorded: Recorded[] = [];
/** Every secret that must appear nowhere but the token store and the allowed stdouts. */
const secrets = new Map<string, string>();

function remember(label: string, value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 6 && !secrets.has(value)) secrets.set(value, label);
}

async function snapshotTokenStore(): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(box.configDir, 'tokens.json'), 'utf8');
  } catch {
    return;
  }
  const { entries } = JSON.parse(text) as { entries: Record<string, Record<string, unknown>> };
  for (const [key, entry] of Object.entries(entries)) {
    for (const field of ['accessToken', 'refreshToken', 'idToken', 'clientSecret', 'secret'] as const) {
      if (typeof entry[field] === 'string') remember(`${key} ${field}`, entry[field] as string);
    }
  }
}

async function record(what: string, run: Promise<RunResult>, stdoutMayCarryToken = false): Promise<RunResult> {
  const result = await run;
  recorded.push({ what, result, stdoutMayCarryToken });
  await snapshotTokenStore();
  return result;
}

const amplify = (args: string[], env: Record<string, string> = {}, input?: string) => box.amplify(args, { env: { ...DEBUG, ...env }, input });
const helper = (name: string, action: string, input: string, env: Record<string, string> = {}) =>
  runProcess(join(HELPERS, name), [action], { env: { ...box.env, ...DEBUG, ...env }, input });

/** Runs the CLI while the test reads its stderr as it comes, to play the person at the browser. */
function interactive(args: string[], env: Record<string, string>, onStderr: (soFar: string) => Promise<boolean>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AMPLIFY_BIN, ...args], { env: { ...box.env, ...DEBUG, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let acted = false;
    let acting: Promise<void> = Promise.resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (acted) return;
      acting = acting.then(async () => {
        if (!acted && (await onStderr(stderr))) acted = true;
      });
      acting.catch((error: unknown) => {
        child.kill('SIGKILL');
        reject(error);
      });
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      void acting.finally(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

const ok = (r: RunResult, what: string) => assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);

// This file logs in on localhost:3000, which is one for the machine: test/support/port3000.ts.
let port3000: Awaited<ReturnType<typeof holdPort3000>> | undefined;
before(async () => {
  port3000 = await holdPort3000();
});
after(async () => port3000?.release());
before(async () => {
  platform = await startPlatform({ quiet: true });
  box = await sandbox();
  const { secret, rsa, ec } = platform.serviceAccounts;
  remember('client secret', secret.clientSecret);
  for (const person of platform.people) remember(`${person.username}'s password`, person.password);
  for (const [label, file] of [['RSA key', rsa.keyFile], ['EC key', ec.keyFile]] as const) {
    const pem = await readFile(file, 'utf8');
    for (const line of pem.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) remember(`${label} PEM body`, line);
  }
});

after(async () => {
  await box?.cleanup();
  await platform?.close();
});

describe('every command with AMPLIFY_DEBUG=1', () => {
  const issuerFlags = () => ['--base-url', platform.baseUrl, '--platform-url', platform.platformUrl];

  test('logins with each method', async () => {
    const { secret, rsa, ec } = platform.serviceAccounts;
    const alice = platform.people.find((p) => p.username === 'alice')!;
    const bob = platform.people.find((p) => p.username === 'bob')!;
    ok(await record('login client secret (argv)', amplify(['auth', 'login', ...issuerFlags(), '--client-id', secret.clientId, '--client-secret', secret.clientSecret, '--json'])), 'login secret');
    ok(await record('login client secret (env, --force)', amplify(['auth', 'login', ...issuerFlags(), '--client-id', secret.clientId, '--force'], { AMPLIFY_CLIENT_SECRET: secret.clientSecret })), 'login secret env');
    ok(await record('login signed JWT (RSA)', amplify(['auth', 'login', ...issuerFlags(), '--client-id', rsa.clientId, '--secret-file', rsa.keyFile, '--json'])), 'login rsa');
    ok(await record('login signed JWT (EC)', amplify(['auth', 'login', ...issuerFlags(), '--client-id', ec.clientId, '--secret-file', ec.keyFile])), 'login ec');
    ok(await record('login password (env)', amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', alice.username, '--json'], { AMPLIFY_PASSWORD: alice.password })), 'login password');
    ok(await record('login password (argv)', amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', alice.username, '--password', alice.password, '--force'])), 'login password argv');

    const device = await record(
      'login device',
      interactive(['auth', 'login', '--base-url', platform.baseUrl, '--device', '--no-launch-browser', '--json'], {}, async (soFar) => {
        const code = /enter the code:\s+(\S+)/.exec(soFar)?.[1];
        if (!code) return false;
        await approveDevice(platform, code, bob.username, bob.password);
        return true;
      }),
    );
    ok(device, 'login device');
    assert.equal(json<{ name: string }>(device).name, `amplify-cli:${bob.email}`);

    const pkce = await record(
      'login PKCE',
      interactive(['auth', 'login', '--base-url', platform.baseUrl, '--no-launch-browser', '--force'], {}, async (soFar) => {
        const url = /(http:\/\/127\.0\.0\.1:\d+\/\S*\/openid-connect\/auth\?\S+)/.exec(soFar)?.[1];
        if (!url) return false;
        const callback = await completeAuthorization(url, alice.username, alice.password);
        await fetch(callback).then((r) => r.text());
        return true;
      }),
    );
    ok(pkce, 'login PKCE');

    // Debug traces show each request as method and URL, and nothing else.
    const traces = recorded.flatMap((r) => r.result.stderr.split('\n')).filter((l) => /^amplify: debug: [A-Z]+ /.test(l));
    assert.ok(traces.some((l) => /^amplify: debug: POST http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/Broker\/protocol\/openid-connect\/token$/.test(l)), 'token requests are traced');
    for (const line of traces) assert.match(line, /^amplify: debug: (GET|POST|PUT|DELETE) https?:\/\/[^\s?#]+$/, line);
  });

  test('failures, with their debug stack traces', async () => {
    const wrongSecret = 'wrong-secret-Zq8x1Lp0';
    const wrongPassword = 'not-bobs-password-77';
    remember('a wrong client secret', wrongSecret);
    remember('a wrong password', wrongPassword);
    const a = await record('login wrong secret', amplify(['auth', 'login', ...issuerFlags(), '--client-id', platform.serviceAccounts.secret.clientId, '--client-secret', wrongSecret, '--force']));
    assert.equal(a.code, 1);
    assert.match(a.stderr, STACK_TRACE, 'AMPLIFY_DEBUG=1 shows the trace');
    const b = await record('login wrong password', amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'bob', '--force', '--json'], { AMPLIFY_PASSWORD: wrongPassword }));
    assert.equal(b.code, 1);
    const c = await record('login wrong key', amplify(['auth', 'login', ...issuerFlags(), '--client-id', 'sa-rsa', '--secret-file', platform.serviceAccounts.ec.keyFile, '--force']));
    assert.equal(c.code, 1);
  });

  test('ls, whoami, switch, token, exec', async () => {
    const { rsa } = platform.serviceAccounts;
    ok(await record('ls', amplify(['auth', 'ls'])), 'ls');
    ok(await record('list --json', amplify(['auth', 'list', '--json'])), 'list');
    ok(await record('whoami', amplify(['auth', 'whoami'])), 'whoami');
    ok(await record('whoami --json', amplify(['auth', 'whoami', rsa.clientId, '--json'])), 'whoami --json');
    const accounts = json<Array<{ name: string; orgs: Array<{ id: string }> }>>(recorded.at(-3)!.result);
    const alice = accounts.find((a) => a.name.includes('alice'))!;
    ok(await record('switch', amplify(['auth', 'switch', '--account', alice.name, '--org', alice.orgs[1]!.id, '--json'])), 'switch');
    const token = await record('token', amplify(['auth', 'token']), true);
    ok(token, 'token');
    ok(await record('token --json', amplify(['auth', 'token', '--json', '--account', rsa.clientId]), true), 'token --json');
    ok(await record('token (refresh)', amplify(['auth', 'token', '--min-validity', '99999999']), true), 'token refresh');
    ok(await record('token (service account re-grant)', amplify(['auth', 'token', '--account', rsa.clientId, '--min-validity', '99999999']), true), 'token re-grant');

    // The child gets the token in its environment; it reports only a digest, its own argv, and any process whose argv holds it.
    const script = `
      const fs = require('fs'); const crypto = require('crypto');
      const t = process.env.AMPLIFY_TOKEN;
      let inArgv = 0;
      for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
        try { if (fs.readFileSync('/proc/' + pid + '/cmdline', 'latin1').includes(t)) inArgv++; } catch {}
      }
      console.log(JSON.stringify({ digest: crypto.createHash('sha256').update(t).digest('hex'), npm: process.env.NODE_AUTH_TOKEN === t, argv: process.argv, inArgv }));`;
    const exec = await record('exec', amplify(['auth', 'exec', '--', process.execPath, '-e', script]));
    ok(exec, 'exec');
    const seen = JSON.parse(exec.stdout) as { digest: string; npm: boolean; inArgv: number };
    const current = (await amplify(['auth', 'token'])).stdout.trim();
    assert.equal(seen.digest, createHash('sha256').update(current).digest('hex'), 'the child got the token');
    assert.equal(seen.npm, true);
    assert.equal(seen.inArgv, 0, 'no process on the machine has the token in its argv');
    const failing = await record('exec (failing command)', amplify(['auth', 'exec', '--', 'no-such-command-xyz']));
    assert.equal(failing.code, 127, 'a command that is not found');
  });

  test('setup for every tool, then the helpers as git, docker and kubectl run them', async () => {
    const hostPort = `127.0.0.1:${platform.port}`;
    ok(await record('setup git', amplify(['auth', 'setup', 'git', '--host', hostPort])), 'setup git');
    ok(await record('setup docker', amplify(['auth', 'setup', 'docker', '--registry', hostPort])), 'setup docker');
    ok(await record('setup npm', amplify(['auth', 'setup', 'npm', '--registry', platform.urls.npm])), 'setup npm');
    ok(await record('setup pnpm', amplify(['auth', 'setup', 'pnpm', '--registry', platform.urls.npm])), 'setup pnpm');
    ok(await record('credential npm', amplify(['credential', 'npm', '--registry', platform.urls.npm, '--bearer']), true), 'credential npm');
    ok(await record('kubectl set-cluster', box.run('kubectl', ['config', 'set-cluster', 'demo', `--server=${platform.urls.kube}`])), 'set-cluster');
    ok(await record('setup kubectl', amplify(['auth', 'setup', 'kubectl', '--cluster', 'demo'])), 'setup kubectl');
    ok(await record('setup (list)', amplify(['auth', 'setup'])), 'setup list');

    const gitGet = await record('git-credential-amplify get', helper('git-credential-amplify', 'get', `protocol=http\nhost=${hostPort}\n\n`), true);
    ok(gitGet, 'git get');
    const used = /^password=(.+)$/m.exec(gitGet.stdout)?.[1];
    assert.ok(used);
    ok(await record('git-credential-amplify capability', helper('git-credential-amplify', 'capability', '')), 'capability');
    ok(await record('git-credential-amplify store', helper('git-credential-amplify', 'store', `protocol=http\nhost=${hostPort}\nusername=oauth2\npassword=${used}\n\n`)), 'git store');
    ok(await record('git-credential-amplify erase', helper('git-credential-amplify', 'erase', `protocol=http\nhost=${hostPort}\nusername=oauth2\npassword=${used}\n\n`)), 'git erase');
    ok(await record('git-credential-amplify get (after erase: refresh)', helper('git-credential-amplify', 'get', `capability[]=authtype\nprotocol=http\nhost=${hostPort}\n\n`), true), 'git get 2');
    ok(await record('git ls-remote through the helper', box.run('git', ['ls-remote', platform.urls.git], { env: DEBUG })), 'git ls-remote');

    ok(await record('docker-credential-amplify get', helper('docker-credential-amplify', 'get', hostPort), true), 'docker get');
    const registrySecret = 'registry-password-9f8e7d6c';
    remember('a docker registry secret', registrySecret);
    ok(await record('docker-credential-amplify store', helper('docker-credential-amplify', 'store', JSON.stringify({ ServerURL: 'other.registry.example', Username: 'me', Secret: registrySecret }))), 'docker store');
    ok(await record('docker-credential-amplify get (stored)', helper('docker-credential-amplify', 'get', 'other.registry.example'), true), 'docker get stored');
    ok(await record('docker-credential-amplify list', helper('docker-credential-amplify', 'list', '')), 'docker list');
    ok(await record('docker-credential-amplify version', helper('docker-credential-amplify', 'version', '')), 'docker version');
    ok(await record('docker-credential-amplify erase', helper('docker-credential-amplify', 'erase', 'other.registry.example')), 'docker erase');
    ok(await record('docker-credential-amplify erase (bound)', helper('docker-credential-amplify', 'erase', hostPort)), 'docker erase bound');

    ok(await record('amplify credential kubectl', amplify(['credential', 'kubectl'], { KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}' }), true), 'kubectl plugin');
    // (kubectl itself would run the plugin too, but sends no credentials to the platform's plain-http kube API.)
    ok(await record('setup --remove', amplify(['auth', 'setup', 'docker', '--registry', hostPort, '--remove'])), 'setup remove');
  });

  test('logout', async () => {
    const { ec } = platform.serviceAccounts;
    ok(await record('logout NAME --json', amplify(['auth', 'logout', ec.clientId, '--json'])), 'logout one');
    const noTty = await record('logout (several, no TTY)', amplify(['auth', 'logout']));
    assert.equal(noTty.code, 2);
    ok(await record('logout --all', amplify(['auth', 'logout', '--all'])), 'logout all');
  });

  test('no secret anywhere: output (but auth token and helper get), files under HOME (but the token store)', async (t) => {
    assert.ok(recorded.length >= 40, `${recorded.length} runs recorded`);
    const tokens = [...secrets.values()].filter((label) => /accessToken|refreshToken|idToken/.test(label)).length;
    assert.ok(tokens >= 15, `${tokens} issued tokens collected`);
    const found: string[] = [];
    for (const { what, result, stdoutMayCarryToken } of recorded) {
      for (const [secret, label] of secrets) {
        const isToken = /accessToken|refreshToken|idToken/.test(label);
        if (result.stderr.includes(secret)) found.push(`${label} in the stderr of ${what}`);
        if (result.stdout.includes(secret) && !(stdoutMayCarryToken && (isToken || label === 'a docker registry secret'))) found.push(`${label} in the stdout of ${what}`);
      }
    }
    const files = await filesUnder(box.home);
    const searched: string[] = [];
    for (const file of files) {
      const name = relative(box.configDir, file);
      if (name === 'tokens.json' || name === 'tokens.enc') continue;
      searched.push(relative(box.home, file));
      const content = await readFile(file, 'latin1');
      for (const [secret, label] of secrets) if (content.includes(secret)) found.push(`${label} in ${relative(box.home, file)}`);
    }
    t.diagnostic(`${recorded.length} runs, ${secrets.size} secrets (${tokens} issued tokens), ${searched.length} files searched`);
    assert.deepEqual(found, []);
    for (const expected of ['.gitconfig', '.docker/config.json', '.npmrc', '.kube/config', '.config/amplify/config.json']) {
      assert.ok(searched.includes(expected), `${expected} was searched (${searched.join(', ')})`);
    }
    // Stack traces only where they were asked for, and every one masked (checked above with the rest of stderr).
    for (const { what, result } of recorded) assert.ok(!/\n\s+at /.test(result.stdout), `a trace on the stdout of ${what}`);
  });
});

describe('the token goes where it is asked for and nowhere else', () => {
  test('--json account objects carry no token, secret or key', async () => {
    const scratch = await sandbox();
    try {
      const { secret, rsa } = platform.serviceAccounts;
      const a = await scratch.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', secret.clientId, '--json'], { env: { AMPLIFY_CLIENT_SECRET: secret.clientSecret } });
      const b = await scratch.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', rsa.clientId, '--secret-file', rsa.keyFile, '--json']);
      const store = JSON.parse(await readFile(join(scratch.configDir, 'tokens.json'), 'utf8')) as { entries: Record<string, Record<string, string>> };
      const values = Object.values(store.entries).flatMap((e) => Object.values(e).filter((v): v is string => typeof v === 'string' && v.length > 12));
      assert.ok(values.length >= 4, `${values.length} stored values`);
      for (const out of [a, b, await scratch.amplify(['auth', 'ls', '--json']), await scratch.amplify(['auth', 'whoami', '--json']), await scratch.amplify(['auth', 'switch', '--account', rsa.clientId, '--json'])]) {
        assert.equal(out.code, 0, out.stderr);
        for (const v of values) {
          const probe = v.startsWith('-----BEGIN') ? v.split('\n')[1]! : v;
          assert.ok(!out.stdout.includes(probe), `a stored value in --json output: ${probe.slice(0, 16)}…\n${out.stdout}`);
        }
      }
    } finally {
      await scratch.cleanup();
    }
  });
});
