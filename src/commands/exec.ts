// amplify auth exec -- <command>: run a program with the account's token in its environment, never in argv.
import { Command, Option } from 'clipanion';
import { getAccessToken } from '../accounts/tokens.js';
import { AmplifyError, errnoCode, usageError } from '../errors.js';
import { AmplifyCommand } from './base.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
/**
 * Ctrl-C and Ctrl-\ make a terminal signal its whole foreground process group, and the child is in ours: forwarding
 * them as well would hand it every keypress twice. On a terminal amplify therefore only outlives them (as npm exec and
 * sudo do) and lets the child decide, then exits with the child's status. A signal cannot say where it came from, so a
 * `kill -INT` aimed at amplify alone while it runs on a terminal is not passed on; without a terminal it is.
 */
const FROM_TERMINAL = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT']);

/** 127 where the command was not found, 126 where it was found and cannot be run (as sh and env answer). */
function spawnFailure(program: string, error: Error): AmplifyError {
  const code = errnoCode(error);
  if (code === 'ENOENT') return new AmplifyError('ECOMMAND', `${program}: command not found.`, { exitCode: 127 });
  const why = code === 'EACCES' || code === 'EISDIR' ? 'permission denied (not an executable file, or a directory)' : code === 'ENOEXEC' ? 'not a format this system can run' : error.message;
  return new AmplifyError('ECOMMAND', `cannot run ${program}: ${why}.`, { exitCode: 126 });
}

export class ExecCommand extends AmplifyCommand {
  static override paths = [['auth', 'exec']];
  static override usage = Command.Usage({
    category: 'Tokens',
    description: "run a command with the account's token in its environment",
    details: 'Sets AMPLIFY_TOKEN, NODE_AUTH_TOKEN (for .npmrc `${NODE_AUTH_TOKEN}`), AMPLIFY_ACCOUNT and AMPLIFY_ORG_ID; forwards signals and exits with the command\'s status.',
    examples: [
      ['npm against a bound registry', '$0 auth exec -- npm whoami --registry https://registry.example.com/npm/'],
      ['A script as another account', '$0 auth exec --account my-sa -- ./deploy.sh'],
    ],
  });

  account = Option.String('--account', { description: 'the account to use instead of the default' });
  command = Option.Proxy({ required: 1 });

  protected async run(): Promise<number> {
    const argv = this.command[0] === '--' ? this.command.slice(1) : this.command;
    const [program, ...args] = argv;
    if (!program) throw usageError('name the command to run: amplify auth exec -- <command> [args...]');
    const { account, token } = await getAccessToken(this.ctx, { account: this.account });
    // The login secrets are for amplify alone; the child gets the token it asked for and nothing more.
    const { AMPLIFY_CLIENT_SECRET: _secret, AMPLIFY_PASSWORD: _password, ...inherited } = this.ctx.env;
    const env = {
      ...inherited,
      AMPLIFY_TOKEN: token,
      NODE_AUTH_TOKEN: token,
      AMPLIFY_ACCOUNT: account.name,
      AMPLIFY_ORG_ID: account.org?.id ?? '',
    };
    const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
    return new Promise<number>((resolve, reject) => {
      const child = spawn(program, args, { env, stdio: 'inherit' });
      const onTerminal = [this.ctx.stdin, this.ctx.stdout, this.ctx.stderr].some((stream) => (stream as { isTTY?: boolean }).isTTY === true);
      const forward = (signal: NodeJS.Signals) => {
        if (!(onTerminal && FROM_TERMINAL.has(signal))) child.kill(signal);
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
}
