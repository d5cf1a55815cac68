// amplify auth exec -- <command>: run a program with the account's token in its environment, never in argv.
import { Command, Option } from 'clipanion';
import { getAccessToken } from '../accounts/tokens.js';
import { usageError } from '../errors.js';
import { execEnvironment, npmRegistries, runProgram } from '../exec/run.js';
import { readConfig } from '../store/config.js';
import { AmplifyCommand } from './base.js';

export class ExecCommand extends AmplifyCommand {
  static override paths = [['auth', 'exec']];
  static override usage = Command.Usage({
    category: 'Tokens',
    description: "run a command with the account's token in its environment",
    details: 'Sets AMPLIFY_TOKEN, NODE_AUTH_TOKEN, AMPLIFY_ACCOUNT, AMPLIFY_ORG_ID and, for every registry bound with `setup npm`, `npm_config_//<host>/<path>/:_authToken`; forwards signals and exits with the command\'s status.',
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
    const config = await readConfig(this.ctx);
    const access = await getAccessToken(this.ctx, { account: this.account, config });
    return runProgram(program, args, execEnvironment(this.ctx.env, access, npmRegistries(config)));
  }
}
