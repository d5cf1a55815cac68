// Runs the real bins (built into dist/ and helpers/) in a throwaway HOME, as a user or a tool would.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AMPLIFY_BIN = join(ROOT, 'dist', 'amplify.js');
export const HELPERS = join(ROOT, 'helpers');

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
}

/** A fresh HOME with no D-Bus session (so the default store falls back to a file, as on a headless box). */
export async function sandbox(extraEnv: Record<string, string> = {}): Promise<Sandbox> {
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
    amplify: (args, options) => runProcess(process.execPath, [AMPLIFY_BIN, ...args], { ...options, env: { ...env, ...options?.env } }),
    run: (command, args, options) => runProcess(command, args, { ...options, env: { ...env, ...options?.env } }),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
  return box;
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
