// `amplify auth exec`'s child: the environment it gets and the spawn-and-wait, shared by the command (src/commands/exec.ts)
// and the fast tier (src/bin/credential-fast.ts), so that both run the program the same way.
import type { AccessToken } from '../accounts/tokens.js';
import { AmplifyError, errnoCode } from '../errors.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The child's environment: the caller's, less amplify's login secrets, plus the token and the account. */
export function execEnvironment(env: Record<string, string | undefined>, { account, token }: AccessToken): Record<string, string | undefined> {
  // The login secrets are for amplify alone; the child gets the token it asked for and nothing more.
  const { AMPLIFY_CLIENT_SECRET: _secret, AMPLIFY_PASSWORD: _password, ...inherited } = env;
  return {
    ...inherited,
    AMPLIFY_TOKEN: token,
    NODE_AUTH_TOKEN: token,
    AMPLIFY_ACCOUNT: account.name,
    AMPLIFY_ORG_ID: account.org?.id ?? '',
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
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const cleanup = () => FORWARDED.forEach((signal) => process.off(signal, forward));
    child.once('error', (error) => {
      cleanup();
      reject(new AmplifyError('ECOMMAND', errnoCode(error) === 'ENOENT' ? `${program}: command not found.` : `cannot run ${program}: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}
