// amplify auth logout: revoke at the issuer where it can, and always remove the accounts here.
import { Command, Option } from 'clipanion';
import { logoutAccounts } from '../accounts/manage.js';
import { accountNames, noAccountsError } from '../accounts/model.js';
import { usageError } from '../errors.js';
import { readConfig } from '../store/config.js';
import { AmplifyCommand, printJson } from './base.js';

export class LogoutCommand extends AmplifyCommand {
  static override paths = [['auth', 'logout']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'revoke and remove accounts',
    details: "Revokes the refresh and access tokens at the issuer's revocation endpoint (RFC 7009), then removes the accounts locally, even when the issuer cannot be reached.",
    examples: [
      ['Log out one account', '$0 auth logout amplify-cli:alice@example.com'],
      ['Log out every account', '$0 auth logout --all'],
    ],
  });

  names = Option.Rest({ name: 'account' });
  all = Option.Boolean('--all', false, { description: 'log out every account' });
  json = Option.Boolean('--json', false, { description: 'print [{name, revoked}]' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<number> {
    const config = await readConfig(this.ctx);
    const known = accountNames(config);
    let names = this.all ? known : [...new Set(this.names)];
    if (this.all && this.names.length > 0) throw usageError('give account names or --all, not both.');
    if (names.length === 0) {
      if (known.length === 0) throw noAccountsError('nothing to log out');
      if (known.length === 1) names = known;
      else if (this.ctx.isTTY) {
        const { pickAccount } = await import('./pickers.js');
        names = [await pickAccount(this.ctx, known, 'Log out which account?')];
      } else throw usageError(`several accounts are logged in; name one or more, or use --all: ${known.join(', ')}.`);
    }
    const results = await logoutAccounts(this.ctx, names);
    if (this.json) {
      printJson(this.ctx, results);
    } else {
      for (const r of results) {
        this.ctx.stdout.write(`Logged out ${r.name}${r.revoked ? '' : ' (its tokens could not be revoked at the issuer)'}.\n`);
      }
      const before = config.auth.defaultAccount;
      const after = (await readConfig(this.ctx)).auth.defaultAccount;
      if (before && names.includes(before) && after) {
        this.ctx.stdout.write(`The default account is now ${after}; to choose another: amplify auth switch --account <name>.\n`);
      }
    }
    return 0;
  }
}
