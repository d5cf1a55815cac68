// amplify auth doctor: the whole chain on this machine, one check a line, each failure with its fix.
import { Command, Option } from 'clipanion';
import { requestTimeout } from '../context.js';
import type { DoctorReport } from '../diagnose/doctor.js';
import { AmplifyCommand, printJson } from './base.js';
import { styleFor, type Style } from './style.js';

export class DoctorCommand extends AmplifyCommand {
  static override paths = [['auth', 'doctor']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'check the config, token store, issuers, clocks and every binding',
    details:
      "Checks the config directory and files (parse, modes, owner), the token store and the OS keyring, each account's issuer (through which proxy, with which CA) and the clock against it, and every binding's wiring in git, docker, kubectl, npm, pnpm and Terraform, and that the helpers are on PATH. Exits 1 when any check fails. Never prints a token or secret.",
    examples: [
      ['Check everything', '$0 auth doctor'],
      ['As JSON', '$0 auth doctor --json'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'print {ok, checks: [{id, ok, detail, fix}]}' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<number> {
    const { runDoctor } = await import('../diagnose/doctor.js');
    // A check is a diagnosis, not a login: each issuer gets the helpers' 10 s deadline (AMPLIFY_HTTP_TIMEOUT wins).
    this.ctx.requestTimeoutMs = requestTimeout(this.ctx.env, 10);
    const report = await runDoctor(this.ctx);
    if (this.json) printJson(this.ctx, report);
    else this.ctx.stdout.write(formatReport(report, styleFor(this.ctx.stdout, this.ctx.env)));
    return report.ok ? 0 : 1;
  }
}

function formatReport(report: DoctorReport, style: Style): string {
  const lines = report.checks.map((c) => (c.ok ? `${style.green('✓')} ${c.id}: ${c.detail}` : `${style.red('✗')} ${style.bold(c.id)}: ${c.detail}\n    fix: ${c.fix}`));
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? 'Everything checks out.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return `${lines.join('\n')}\n`;
}
