// amplify auth status: is each account's token accepted by its issuer, can it be renewed, what to run where not.
import { Command, Option } from 'clipanion';
import type { AccountStatus } from '../accounts/status.js';
import { AmplifyCommand, printJson } from './base.js';
import { styleFor } from './style.js';

export class StatusCommand extends AmplifyCommand {
  static override paths = [['auth', 'status']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'check each account against its issuer',
    details:
      'Asks the issuer whether the access token is still accepted (introspection where the client may use it, else userinfo, else the platform), and renews it where it is not; each problem comes with the command that fixes it. Exits 1 when any account has a problem. Never prints a token.',
    examples: [
      ['Every account', '$0 auth status'],
      ['One account, as JSON', '$0 auth status amplify-cli:alice@example.com --json'],
    ],
  });

  names = Option.Rest({ name: 'account' });
  json = Option.Boolean('--json', false, { description: 'print [{name, default, ok, problems, expires}]' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<number> {
    const { checkAccounts } = await import('../accounts/status.js');
    const results = await checkAccounts(this.ctx, this.names);
    if (this.json) printJson(this.ctx, results.map(({ checks: _checks, ...result }) => result));
    else this.ctx.stdout.write(formatStatus(results, styleFor(this.ctx.stdout, this.ctx.env)));
    return results.every((r) => r.ok) ? 0 : 1;
  }
}

function formatStatus(results: AccountStatus[], style: ReturnType<typeof styleFor>): string {
  return results
    .map((r) => {
      const lines = [`${style.bold(r.name)}${r.default ? ' (default)' : ''}`];
      for (const check of r.checks) lines.push(`  ${style.dim('·')} ${check}`);
      if (r.ok) lines.push(`  ${style.green('✓')} ok: access token until ${r.expires.access ?? 'unknown'}${r.expires.refresh ? `, refresh until ${r.expires.refresh}` : ''}`);
      for (const problem of r.problems) lines.push(`  ${style.red('✗')} ${problem}`);
      return lines.join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
