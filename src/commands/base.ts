// What every command shares: the injected context, --json, and one place that turns errors into one line.
import { Command, type BaseContext } from 'clipanion';
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { mask } from '../log.js';
import { spinnerFetch } from './spinner.js';

export interface CliContext extends BaseContext {
  amplify: Context;
}

export function printJson(ctx: Pick<Context, 'stdout'>, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line on stderr (JSON on stdout with --json), exit 1 (usage 2); a masked trace only with AMPLIFY_DEBUG=1. */
export function reportError(ctx: Context, error: unknown, json: boolean): number {
  const known = error instanceof AmplifyError;
  const code = known ? error.code : 'EUNEXPECTED';
  const message = mask(known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`);
  if (json) printJson(ctx, { error: { code, message } });
  else ctx.stderr.write(`amplify: ${message}\n`);
  if (ctx.env.AMPLIFY_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${mask(error.stack)}\n`);
  return known ? error.exitCode : 1;
}

export abstract class AmplifyCommand extends Command<CliContext> {
  /** Commands with a --json flag override this to report errors as JSON. */
  protected get wantsJson(): boolean {
    return false;
  }

  protected get ctx(): Context {
    return this.context.amplify;
  }

  /** A spinner on a terminal while the network is slow (src/commands/spinner.ts): never for --json or the helper protocols. */
  protected get showsProgress(): boolean {
    return !this.wantsJson;
  }

  protected abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    const ctx = this.ctx;
    const fetch = ctx.fetch;
    const spinner = this.showsProgress ? spinnerFetch(ctx, ctx.stderr) : undefined;
    if (spinner) ctx.fetch = spinner.fetch;
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      spinner?.stop();
      return reportError(ctx, error, this.wantsJson);
    } finally {
      spinner?.stop();
      ctx.fetch = fetch;
    }
  }
}
