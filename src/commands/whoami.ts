// amplify auth whoami: the default (or named) account.
import { Command, Option } from 'clipanion';
import { describeAccount } from '../accounts/manage.js';
import { AmplifyCommand, namedAccount } from './base.js';
import { formatWhoami } from './format.js';

export class WhoamiCommand extends AmplifyCommand {
  static override paths = [['auth', 'whoami']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'show the default (or named) account',
    examples: [
      ['Show the default account', '$0 auth whoami'],
      ['Show one account as JSON', '$0 auth whoami amplify-cli:alice@example.com --json'],
    ],
  });

  account = Option.String({ required: false, name: 'account' });
  accountOption = Option.String('--account', { description: 'the account to show (or give it as the argument)' });
  json = Option.Boolean('--json', false, { description: 'print the account object' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const account = await describeAccount(this.ctx, namedAccount(this.account, this.accountOption));
    this.ctx.stdout.write(formatWhoami(account, this.json, this.ctx.now()));
  }
}
