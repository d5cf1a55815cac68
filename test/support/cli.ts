// Runs the built commands (dist/ and helpers/) in a throwaway HOME, as a user or a tool would: `amplify` commands
// in-process through dist/cli.js's main() (runCli), everything about the process itself as a real process.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AMPLIFY_BIN = join(ROOT, 'dist', 'amplify.js');
export const HELPERS = join(ROOT, 'helpers');
/** The command tree of dist/amplify.js (a tsup entry of its own), which runCli runs in this process. */
export const CLI_MODULE = join(ROOT, 'dist', 'cli.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  /** AMPLIFY_HOME: where config.json and the token store live. */
  configDir: string;
  env: Record<string, string>;
  amplify(args: string[], options?: RunOptions): Promise<RunResult>;
  run(command: string, args: string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
  /** `amplify` as a real process even where runCli could run it in-process (exit codes, signals, what it loads). */
  spawn?: boolean;
  /** The command's clock (Context.now), for expiry without waiting; in-process runs only. */
  now?: () => number;
}

export interface SandboxOptions {
  /** Every `amplify` call of this sandbox as a real process (a test about processes: locks held across them, crashes). */
  spawn?: boolean;
}

/** A fresh HOME with no D-Bus session (so the default store falls back to a file, as on a headless box). */
export async function sandbox(extraEnv: Record<string, string> = {}, boxOptions: SandboxOptions = {}): Promise<Sandbox> {
  const home = await mkdtemp(join(tmpdir(), 'amplify-test-'));
  const configDir = join(home, '.config', 'amplify');
  const env: Record<string, string> = {
    PATH: `${HELPERS}:${process.env.PATH ?? ''}`,
    HOME: home,
    AMPLIFY_HOME: configDir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C.UTF-8',
    ...extraEnv,
  };
  const box: Sandbox = {
    home,
    configDir,
    env,
    amplify: (args, options) => {
      const runEnv = { ...env, ...options?.env };
      if (boxOptions.spawn || options?.spawn || !inProcessCase(args, runEnv)) {
        if (options?.now) throw new Error(`amplify ${args.join(' ')}: a fake clock needs an in-process run`);
        return runProcess(process.execPath, [AMPLIFY_BIN, ...args], { ...options, env: runEnv });
      }
      return runCli(args, { env: runEnv, stdin: options?.input, cwd: options?.cwd, now: options?.now });
    },
    run: (command, args, options) => runProcess(command, args, { ...options, env: { ...env, ...options?.env } }),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
  return box;
}

/**
 * Whether `amplify args` with env is a command case runCli answers as the process would. Not: the credential helpers
 * (the process's fds and exit code are their protocol), `auth exec` (its child inherits the process's stdio and
 * signals), the memory store ("this process only"), and what Node reads at start-up (NODE_OPTIONS, extra CAs).
 */
export function inProcessCase(args: string[], env: Record<string, string | undefined>): boolean {
  if (args[0] === 'credential' || (args[0] === 'auth' && args[1] === 'exec')) return false;
  if (env.AMPLIFY_TOKEN_STORE === 'memory' || env.NODE_OPTIONS || env.NODE_EXTRA_CA_CERTS || env.NODE_USE_ENV_PROXY) return false;
  // A Secret Service reached over the test's bus: the native module keeps its connection for the process.
  if (env.DBUS_SESSION_BUS_ADDRESS) return false;
  return true;
}

interface CliModule {
  main(argv: string[], ctx: unknown): Promise<number>;
  createContext(overrides: Record<string, unknown>): { env: Record<string, string | undefined>; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  reportError(ctx: unknown, error: unknown, json: boolean): number;
  forgetSecrets(): void;
}
let cliModule: Promise<CliModule> | undefined;
/** In-process runs one at a time: each owns process.env and the working directory while it runs. */
let queue: Promise<unknown> = Promise.resolve();

/** A stream that keeps what is written to it, as a pipe to the parent would. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs `amplify args...` in this process through dist/cli.js's main(), as dist/amplify.js does for a command (not a
 * helper call): the process environment is env for the run (the native keyring and Node read the real one), the
 * working directory is cwd, stdin is the input then its end, and the masking registry starts empty, as in a fresh
 * process. The exit code is main()'s, the one the process would exit with.
 */
export function runCli(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string | Buffer; cwd?: string; now?: () => number } = {}): Promise<RunResult> {
  const run = queue.then(async (): Promise<RunResult> => {
    const cli = await (cliModule ??= import(pathToFileURL(CLI_MODULE).href) as Promise<CliModule>);
    const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const out = collector();
    const err = collector();
    const input = options.stdin === undefined ? [] : [Buffer.from(options.stdin)];
    const saved = { ...process.env };
    const cwd = process.cwd();
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, env);
    if (options.cwd) process.chdir(options.cwd);
    cli.forgetSecrets();
    try {
      const ctx = cli.createContext({ env: { ...env }, stdin: Readable.from(input), stdout: out.stream, stderr: err.stream, isTTY: false, ...(options.now ? { now: options.now } : {}) });
      let code: number;
      try {
        code = await cli.main(args, ctx);
      } catch (error) {
        code = cli.reportError(ctx, error, false);
      }
      return { code, signal: null, stdout: out.text(), stderr: err.text() };
    } finally {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, saved);
      if (options.cwd) process.chdir(cwd);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(command, args, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Parses stdout as JSON, failing with the whole result when it is not. */
export function json<T = unknown>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Every regular file below dir, for tests that search or compare what a run left on disk. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
