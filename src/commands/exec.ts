// amplify auth exec -- <command>: run a program with the account's token in its environment, never in argv.
import { Command, Option } from 'clipanion';
import { getAccessToken } from '../accounts/tokens.js';
import { AmplifyError, errnoCode, usageError } from '../errors.js';
import { AmplifyCommand } from './base.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

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
}
