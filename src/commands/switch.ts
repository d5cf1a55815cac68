// amplify auth switch: choose the default account and its organization.
import { Command, Option } from 'clipanion';
import { switchAccount } from '../accounts/manage.js';
import { accountNames } from '../accounts/model.js';
import { usageError } from '../errors.js';
import { readConfig } from '../store/config.js';
import { AmplifyCommand, namedAccount, printJson } from './base.js';
import { formatAccount } from './format.js';

export class SwitchCommand extends AmplifyCommand {
  static override paths = [['auth', 'switch']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'set the default account and its organization',
    details: 'Every helper (git, docker, kubectl, npm) bound without a fixed account follows the default account. Without flags on a terminal it asks.',
    examples: [
      ['Make an account the default', '$0 auth switch --account amplify-cli:alice@example.com'],
      ['Select an organization by id, guid or name', '$0 auth switch --org 100002'],
    ],
  });

  account = Option.String('--account', { description: 'the account to make the default (or give it as the argument)' });
  positional = Option.String({ required: false, name: 'account' });
  org = Option.String('--org', { description: 'organization id, guid or name' });
  json = Option.Boolean('--json', false, { description: 'print the selected account object' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    let account = namedAccount(this.positional, this.account);
    let { org } = this;
    if (account === undefined && org === undefined) {
      const config = await readConfig(this.ctx);
      const names = accountNames(config);
      if (!this.ctx.isTTY) {
        throw usageError(`say which account: --account <name> [--org <id|guid|name>]; accounts: ${names.join(', ') || 'none'}.`);
      }
      const { pickAccountAndOrg } = await import('./pickers.js');
      ({ account, org } = await pickAccountAndOrg(this.ctx, config));
    }
    const selected = await switchAccount(this.ctx, { account, org });
    if (this.json) printJson(this.ctx, selected);
    else this.ctx.stdout.write(formatAccount(selected, this.ctx.now()));
  }
}
