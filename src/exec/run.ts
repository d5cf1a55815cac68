// `amplify auth exec`'s child: the environment it gets and the spawn-and-wait, shared by the command (src/commands/exec.ts)
// and the fast tier (src/bin/credential-fast.ts), so that both run the program the same way.
import type { AccessToken } from '../accounts/tokens.js';
import { AmplifyError, errnoCode } from '../errors.js';
import { npmTokenVariable } from '../protocols/npm.js';
import type { ConfigFile } from '../store/config.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
/**
 * Ctrl-C and Ctrl-\ make a terminal signal its whole foreground process group, and the child is in ours: forwarding
 * them as well would hand it every keypress twice. On a terminal amplify therefore only outlives them (as npm exec and
 * sudo do) and lets the child decide, then exits with the child's status. A signal cannot say where it came from, so a
 * `kill -INT` aimed at amplify alone while it runs on a terminal is not passed on; without a terminal it is.
 */
const FROM_TERMINAL = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT']);

/**
 * Whether amplify runs on a terminal: isatty on the descriptors, asked only when a signal comes (not process.stdin's
 * isTTY, which builds the standard streams; node:tty is not loaded on a run that gets no signal).
 */
const onTerminal = (): boolean => {
  const { isatty } = process.getBuiltinModule('node:tty');
  return [0, 1, 2].some((fd) => isatty(fd));
};

/** 127 where the command was not found, 126 where it was found and cannot be run (as sh and env answer). */
function spawnFailure(program: string, error: Error): AmplifyError {
  const code = errnoCode(error);
  if (code === 'ENOENT') return new AmplifyError('ECOMMAND', `${program}: command not found.`, { exitCode: 127 });
  const why = code === 'EACCES' || code === 'EISDIR' ? 'permission denied (not an executable file, or a directory)' : code === 'ENOEXEC' ? 'not a format this system can run' : error.message;
  return new AmplifyError('ECOMMAND', `cannot run ${program}: ${why}.`, { exitCode: 126 });
}

/** The `//host/path/` keys of the registries bound with `setup npm`, which the child's npm gets the token for. */
export const npmRegistries = (config: ConfigFile): string[] => config.bindings.filter((b) => b.tool === 'npm').map((b) => b.host);

/**
 * The child's environment: the caller's, less amplify's login secrets, plus the token and the account, and the token as
 * `npm_config_//host/path/:_authToken` for each of `registries` (npm reads per-registry settings from npm_config_ variables).
 */
export function execEnvironment(env: Record<string, string | undefined>, { account, token }: AccessToken, registries: readonly string[] = []): Record<string, string | undefined> {
  // The login secrets are for amplify alone; the child gets the token it asked for and nothing more.
  const { AMPLIFY_CLIENT_SECRET: _secret, AMPLIFY_PASSWORD: _password, ...inherited } = env;
  return {
    ...inherited,
    AMPLIFY_TOKEN: token,
    NODE_AUTH_TOKEN: token,
    AMPLIFY_ACCOUNT: account.name,
    AMPLIFY_ORG_ID: account.org?.id ?? '',
    ...Object.fromEntries(registries.map((key) => [npmTokenVariable(key), token])),
  };
}

/**
 * Runs `program args...` with stdio inherited, forwarding the signals amplify gets, and gives its exit status
 * (128 + the signal's number when a signal ended it). A program that cannot be started is an ECOMMAND error.
 */
export function runProgram(program: string, args: string[], env: Record<string, string | undefined>): Promise<number> {
  // Builtins taken at call time: the fast tier loads node:child_process only for this (and never node:os before).
  const { spawn } = process.getBuiltinModule('node:child_process');
  const { constants } = process.getBuiltinModule('node:os');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(program, args, { env: env as NodeJS.ProcessEnv, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => {
      if (!(FROM_TERMINAL.has(signal) && onTerminal())) child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    const cleanup = () => FORWARDED.forEach((signal) => process.off(signal, forward));
    child.once('error', (error) => {
      cleanup();
      reject(spawnFailure(program, error));
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}
