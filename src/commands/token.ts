// amplify auth token: print the selected account's access token, refreshed when it is about to expire.
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { DEFAULT_MIN_VALIDITY, getAccessToken } from '../accounts/tokens.js';
import { AmplifyCommand, namedAccount } from './base.js';
import { formatAccessToken } from './format.js';

export class TokenCommand extends AmplifyCommand {
  static override paths = [['auth', 'token']];
  static override usage = Command.Usage({
    category: 'Tokens',
    description: "print the selected account's access token",
    details: `Refreshes first when the token expires within --min-validity seconds (default ${DEFAULT_MIN_VALIDITY}, or \`auth.refreshThreshold\` in config.json, which sets the threshold for every command and helper). Exits 1 when the account needs a new login.`,
    examples: [
      ['Use the token in a request', 'curl -H "Authorization: Bearer $($0 auth token)" https://platform.axway.com/api/v1/auth/findSession'],
      ['A token valid for at least 10 minutes, as JSON', '$0 auth token --min-validity 600 --json'],
    ],
  });

  account = Option.String('--account', { description: 'the account to use instead of the default (or give it as the argument)' });
  positional = Option.String({ required: false, name: 'account' });
  minValidity = Option.String('--min-validity', { description: 'refresh when fewer seconds than this are left', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]) });
  json = Option.Boolean('--json', false, { description: 'print {account, token, expiresAt}' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const result = await getAccessToken(this.ctx, { account: namedAccount(this.positional, this.account), minValidity: this.minValidity });
    this.ctx.stdout.write(formatAccessToken(result, this.json));
  }
}
