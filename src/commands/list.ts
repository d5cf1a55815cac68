// amplify auth ls | list: every authenticated account.
import { Command, Option } from 'clipanion';
import { listAccounts } from '../accounts/manage.js';
import { AmplifyCommand } from './base.js';
import { formatAccountList } from './format.js';
import { styleFor, terminalWidth } from './style.js';

export class ListCommand extends AmplifyCommand {
  static override paths = [['auth', 'ls'], ['auth', 'list']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'list the authenticated accounts',
    details: 'Shows each account with its login method, user, selected organization, issuer and token expiry; `*` marks the default.',
    examples: [
      ['List accounts', '$0 auth ls'],
      ['As JSON', '$0 auth ls --json'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'print an array of account objects' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const { stdout, env } = this.ctx;
    stdout.write(formatAccountList(await listAccounts(this.ctx), this.json, this.ctx.now(), { width: terminalWidth(stdout, env), style: styleFor(stdout, env, this.json) }));
  }
}
