// What comes from outside: environment, paths, clock, fetch, keyring, browser and streams, injected as one object.
import type { HttpFetch } from './http.js';
import { debugOn } from './debug.js';
import { createLogger, type Logger } from './log.js';
import { userDir } from './user-dirs.js';
import type { ToolRun } from './setup/run.js';

/** The OS keyring, reduced to what the keyring store needs. Errors mean "no keyring answers". */
export interface KeyringBackend {
  get(service: string, account: string): string | null;
  set(service: string, account: string, secret: string): void;
  delete(service: string, account: string): boolean;
}

export interface Context {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether a person can answer prompts (stdin and stderr are terminals). */
  isTTY: boolean;
  configDir: string;
  now(): number;
  /** A lock whose holder has not renewed it for this long is taken over (src/store/lock.ts). */
  lockStaleMs: number;
  /**
   * The deadline of each request to an issuer or the platform: 30 s, 10 s inside the helpers (a tool waits on
   * them: src/credential/main.ts sets it), AMPLIFY_HTTP_TIMEOUT (seconds) over both. Read by `fetch` at call time.
   */
  requestTimeoutMs: number;
  fetch: HttpFetch;
  keyring(): Promise<KeyringBackend>;
  openBrowser(url: string): Promise<void>;
  /**
   * Runs a tool's own CLI (git config, kubectl config) as setup and doctor change or read its configuration
   * (src/setup/run.ts); an exit status other than 0 or one of allowExit is an ECOMMAND error.
   */
  runTool(command: string, args: string[], options?: { allowExit?: number[] }): Promise<ToolRun>;
  log: Logger;
}

export function resolveConfigDir(env: Record<string, string | undefined>, platform = process.platform): string {
  if (env.AMPLIFY_HOME) return env.AMPLIFY_HOME;
  return userDir('config', env, platform, env.HOME || process.getBuiltinModule('node:os').homedir());
}

/** The native module's errors, said the way a person can act on them. */
function keyringError(error: unknown): Error {
  const message = (error as Error)?.message ?? String(error);
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(message)) return new Error('no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set', { cause: error });
  if (/prompt was dismissed/i.test(message)) return new Error('the keyring is locked and its unlock prompt was dismissed', { cause: error });
  if (/org\.freedesktop\.secrets|ServiceUnknown|was not provided by any \.service/i.test(message)) {
    return new Error('no Secret Service (such as gnome-keyring or KeePassXC) runs on the D-Bus session bus', { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}

function withKeyringErrors<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (error) {
      throw keyringError(error);
    }
  };
}

async function loadNativeKeyring(): Promise<KeyringBackend> {
  let Entry: typeof import('@napi-rs/keyring').Entry;
  try {
    ({ Entry } = await import('@napi-rs/keyring'));
  } catch (error) {
    throw new Error(`the OS keyring module (@napi-rs/keyring) cannot be loaded here: ${(error as Error).message}`, { cause: error });
  }
  // On Linux only the Secret Service persists: the kernel keyring (keyutils) forgets at logout, and with it every token.
  const options = { linux: { store: 'secret-service' as const } };
  return {
    get: withKeyringErrors((service: string, account: string) => new Entry(service, account, options).getPassword() ?? null),
    set: withKeyringErrors((service: string, account: string, secret: string) => new Entry(service, account, options).setPassword(secret)),
    delete: withKeyringErrors((service: string, account: string) => new Entry(service, account, options).deletePassword()),
  };
}

/** How long a browser launcher gets to fail before it counts as launched (a browser itself may run for hours). */
const LAUNCH_GRACE_MS = 1500;

/**
 * A launched browser counts as opened only when its launcher did not fail: it exits 0 (xdg-open, open) or is still
 * running after a moment (a browser started directly). BROWSER=false, or an xdg-open with nothing to open, fails.
 */
function launched(child: import('node:child_process').ChildProcess, command: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.unref();
      resolve();
    }, LAUNCH_GRACE_MS);
    timer.unref();
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code ?? signal}`));
    });
  });
}

async function launchBrowser(env: Record<string, string | undefined>, url: string): Promise<void> {
  if (env.BROWSER) {
    // BROWSER may carry arguments ("firefox --new-window"); the URL goes last, as xdg-open does.
    const { spawn } = await import('node:child_process');
    const [command, ...args] = env.BROWSER.split(' ').filter(Boolean);
    if (!command) return;
    return launched(spawn(command, [...args, url], { stdio: 'ignore', detached: true, env: env as NodeJS.ProcessEnv }), `BROWSER (${command})`);
  }
  const { default: open } = await import('open');
  return launched(await open(url), 'the browser launcher');
}

/** The request deadline in ms: AMPLIFY_HTTP_TIMEOUT (seconds) where set to a positive number, else `seconds`. */
export function requestTimeout(env: Record<string, string | undefined>, seconds: number): number {
  const set = Number(env.AMPLIFY_HTTP_TIMEOUT);
  return (env.AMPLIFY_HTTP_TIMEOUT && Number.isFinite(set) && set > 0 ? Math.min(set, 3600) : seconds) * 1000;
}

export function createContext(overrides: Partial<Context> = {}): Context {
  const env = overrides.env ?? process.env;
  let keyring: Promise<KeyringBackend> | undefined;
  let log: Logger | undefined;
  // The standard streams are built on first use: process.stdin alone loads net and opens a socket, and a
  // helper that answers with one write would pay more for them than for its answer.
  const context: Context = {
    env,
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get isTTY() {
      return Boolean(process.stdin.isTTY && process.stderr.isTTY);
    },
    configDir: resolveConfigDir(env),
    now: () => Date.now(),
    lockStaleMs: 5_000,
    requestTimeoutMs: requestTimeout(env, 30),
    // Loaded at call time: a cached helper call never makes a request.
    fetch: async (input, init) => {
      const [{ httpFetch, describeProxy }, { withDeadline }] = await Promise.all([import('./http.js'), import('./deadline.js')]);
      if (context.log.debugEnabled) context.log.debug(`${new URL(String(input)).host} ${describeProxy(input, env)}`);
      return withDeadline((url, options) => httpFetch(url, options, env), context.requestTimeoutMs)(input, init);
    },
    keyring: () => (keyring ??= loadNativeKeyring()),
    openBrowser: (url) => launchBrowser(env, url),
    // Loaded at call time: only setup and doctor run tools.
    runTool: async (command, args, options) => (await import('./setup/run.js')).runTool(context, command, args, options),
    get log() {
      return (log ??= createLogger({ write: (chunk) => context.stderr.write(chunk) }, debugOn(env)));
    },
  };
  // Descriptors, not a spread: a spread would read (and so build) every stream the overrides replace.
  return Object.defineProperties(context, Object.getOwnPropertyDescriptors(overrides));
}
