// What every command shares: the injected context, --json, and one place that turns errors into one line.
import { Command, type BaseContext } from 'clipanion';
import type { Context } from '../context.js';
import { AmplifyError, usageError } from '../errors.js';
import { mask } from '../log.js';

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

  protected abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      return reportError(this.ctx, error, this.wantsJson);
    }
  }
}

/** An account named as `<account>` or `--account <name>` (either, as people type both): one name, or none. */
export function namedAccount(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw usageError(`two accounts named ("${positional}" and --account "${option}"); name one.`);
  }
  return option ?? positional;
}
