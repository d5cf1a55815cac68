// The crash test: logins, refreshes and logouts killed with SIGKILL at random moments leave files that parse and lose no account.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sharedPlatform, type Platform } from './platform/index.js';
import { AMPLIFY_BIN, json, sandbox, type Sandbox } from './support/cli.js';

const RUNS = 100;
const LANES = 4;
const ALICE = 'amplify-cli:alice@example.com';
const TEMP_FILE = /\.(json|enc)\.\d+$/;

type Kind = 'login' | 'refresh' | 'logout';

interface Outcomes {
  runs: number;
  killed: Record<Kind, number>;
  completed: Record<Kind, number>;
  /** Killed after the issuer rotated the refresh token and before it was stored: the next refresh is refused. */
  needsLoginAfterKill: number;
  /** Temp files write-file-atomic left behind; the next change under the lock removes them. */
  tempFilesSeen: number;
  /** Kills that left a lock behind (state or refresh): the next command had to break it. */
  locksLeft: number;
  slowestRunMs: number;
}

let platform: Platform;
before(async () => {
  platform = await sharedPlatform();
});
after(async () => platform?.close());

/** Runs the amplify bin, killing it with SIGKILL after killAfterMs (if it is still running then). */
function runKilled(box: Sandbox, args: string[], env: Record<string, string>, killAfterMs: number | null) {
  return new Promise<{ code: number | null; killed: boolean; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [AMPLIFY_BIN, ...args], { env: { ...box.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = killAfterMs === null ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, killed: signal === 'SIGKILL', stderr, ms: Date.now() - started });
    });
  });
}

interface Snapshot {
  accounts: Record<string, { needsLogin: boolean }>;
  entries: Record<string, unknown>;
  tempFiles: number;
  locks: number;
}

/** Every file in the config dir parses (temp files aside, which are counted); returns what is stored. */
async function snapshot(box: Sandbox): Promise<Snapshot> {
  let tempFiles = 0;
  let locks = 0;
  const parsed: Record<string, unknown> = {};
  async function walk(dir: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if ((await stat(path)).isDirectory()) {
        if (name.endsWith('.lock')) locks += 1;
        await walk(path);
      } else if (TEMP_FILE.test(name)) {
        tempFiles += 1;
      } else {
        const text = await readFile(path, 'utf8');
        try {
          parsed[path] = JSON.parse(text);
        } catch (error) {
          assert.fail(`${path} does not parse after a kill: ${(error as Error).message}\n${text.slice(0, 200)}`);
        }
      }
    }
  }
  await walk(box.configDir);
  const config = parsed[join(box.configDir, 'config.json')] as { accounts: Snapshot['accounts'] };
  const tokens = parsed[join(box.configDir, 'tokens.json')] as { entries: Snapshot['entries'] };
  assert.ok(config && tokens, 'config.json and tokens.json exist');
  return { accounts: config.accounts, entries: tokens.entries, tempFiles, locks };
}

async function lane(index: number, runs: number, outcomes: Outcomes): Promise<void> {
  const box = await sandbox({ AMPLIFY_TOKEN_STORE: 'file' });
  const sa = platform.serviceAccounts.secret;
  const victim = platform.serviceAccounts.batch[index]!;
  const issuer = ['--base-url', platform.baseUrl];
  const loginAlice = () => ({ args: ['auth', 'login', ...issuer, '--username', 'alice', '--force'], env: { AMPLIFY_PASSWORD: 'alice-pw' } });
  const commands: Record<Kind, () => { args: string[]; env: Record<string, string> }> = {
    login: () =>
      Math.random() < 0.5
        ? loginAlice()
        : { args: ['auth', 'login', ...issuer, '--client-id', sa.clientId, '--force'], env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } },
    refresh: () => ({ args: ['auth', 'token', '--account', Math.random() < 0.5 ? ALICE : sa.clientId, '--min-validity', '100000'], env: {} }),
    logout: () => ({ args: ['auth', 'logout', victim.clientId], env: {} }),
  };
  const loginVictim = () => ({ args: ['auth', 'login', ...issuer, '--client-id', victim.clientId, '--force'], env: { AMPLIFY_CLIENT_SECRET: victim.clientSecret } });
  const mustRun = async (command: { args: string[]; env: Record<string, string> }) => {
    const out = await runKilled(box, command.args, command.env, null);
    assert.equal(out.code, 0, `${command.args.join(' ')}: ${out.stderr}`);
    return out.ms;
  };

  try {
    // Before: three accounts, and how long each kind of command takes here (the range of the random kill).
    const typical: Record<Kind, number> = { login: 0, refresh: 0, logout: 0 };
    await mustRun(loginAlice());
    await mustRun({ args: ['auth', 'login', ...issuer, '--client-id', sa.clientId], env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    await mustRun(loginVictim());
    typical.login = await mustRun(commands.login());
    typical.refresh = await mustRun(commands.refresh());
    typical.logout = await mustRun(commands.logout());
    await mustRun(loginVictim());

    const kinds: Kind[] = ['login', 'refresh', 'logout'];
    for (let run = 0; run < runs; run += 1) {
      const before = await snapshot(box);
      const kind = kinds[Math.floor(Math.random() * kinds.length)]!;
      const command = commands[kind]();
      const delay = Math.floor(Math.random() * typical[kind]);
      const out = await runKilled(box, command.args, command.env, delay);
      outcomes.runs += 1;
      outcomes.slowestRunMs = Math.max(outcomes.slowestRunMs, out.ms);
      if (out.killed) outcomes.killed[kind] += 1;
      else {
        outcomes.completed[kind] += 1;
        // A refresh killed after the issuer rotated alice's refresh token but before it was saved leaves the old one,
        // which the issuer then refuses: the one outcome nothing here can prevent, and the message must say so.
        // It is counted below, where the account shows needsLogin.
        const rotatedAway = kind === 'refresh' && command.args.includes(ALICE) && /needs a new login/.test(out.stderr);
        if (!rotatedAway) assert.equal(out.code, 0, `${command.args.join(' ')} finished, so it must have succeeded: ${out.stderr}`);
      }

      const after = await snapshot(box);
      outcomes.tempFilesSeen += after.tempFiles;
      outcomes.locksLeft += Math.max(0, after.locks - before.locks);
      for (const name of Object.keys(before.accounts)) {
        if (kind === 'logout' && name === victim.clientId) continue;
        assert.ok(after.accounts[name], `lane ${index} run ${run} (${kind} killed at ${delay} ms): ${name} is still there`);
        assert.ok(after.entries[`account:${name}`], `lane ${index} run ${run} (${kind} killed at ${delay} ms): ${name} still has its tokens`);
      }

      // Put the lane back as it was for the next run.
      if (after.accounts[ALICE]?.needsLogin) outcomes.needsLoginAfterKill += 1;
      const aliceWorks = !after.accounts[ALICE]?.needsLogin;
      if (!aliceWorks) await mustRun(loginAlice());
      if (!after.accounts[victim.clientId] || !after.entries[`account:${victim.clientId}`]) await mustRun(loginVictim());
    }

    // After: every account works, and the next change under the lock swept the temp files.
    for (const name of [sa.clientId, ALICE, victim.clientId]) {
      const out = await runKilled(box, ['auth', 'token', '--account', name, '--min-validity', '100000'], {}, null);
      if (out.code !== 0 && name === ALICE && /needs a new login/.test(out.stderr)) {
        outcomes.needsLoginAfterKill += 1;
        continue;
      }
      assert.equal(out.code, 0, `${name}: ${out.stderr}`);
    }
    const ls = await runKilled(box, ['auth', 'ls', '--json'], {}, null);
    assert.equal(ls.code, 0);
    await mustRun({ args: ['auth', 'switch', '--account', sa.clientId], env: {} });
    const end = await snapshot(box);
    assert.equal(end.tempFiles, 0, 'no temp file left after a change under the lock');
    assert.equal(end.locks, 0, 'every lock a killed process left was broken by a later command');
    const listed = json<Array<{ name: string }>>(await box.amplify(['auth', 'ls', '--json'])).map((a) => a.name);
    assert.deepEqual(listed.sort(), [ALICE, sa.clientId, victim.clientId].sort());
  } finally {
    await box.cleanup();
  }
}

test(`crash test: ${RUNS} logins, refreshes and logouts killed with SIGKILL at random moments`, async (t) => {
  const outcomes: Outcomes = {
    runs: 0,
    killed: { login: 0, refresh: 0, logout: 0 },
    completed: { login: 0, refresh: 0, logout: 0 },
    needsLoginAfterKill: 0,
    tempFilesSeen: 0,
    locksLeft: 0,
    slowestRunMs: 0,
  };
  const started = Date.now();
  const perLane = Math.ceil(RUNS / LANES);
  await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i, Math.min(perLane, RUNS - i * perLane), outcomes)));
  assert.equal(outcomes.runs, RUNS);
  const killed = Object.values(outcomes.killed).reduce((a, b) => a + b, 0);
  assert.ok(killed >= RUNS / 3, `a good part of the runs were killed mid-way (${killed} of ${RUNS})`);
  t.diagnostic(
    `crash test: ${outcomes.runs} runs in ${Date.now() - started} ms; killed ${JSON.stringify(outcomes.killed)}, completed ${JSON.stringify(outcomes.completed)}; ` +
      `every file parsed and every account stayed after every run; alice needed a new login after a kill ${outcomes.needsLoginAfterKill} time(s); ` +
      `temp files seen ${outcomes.tempFilesSeen}; locks left by a killed holder ${outcomes.locksLeft}; slowest run ${outcomes.slowestRunMs} ms`,
  );
});
