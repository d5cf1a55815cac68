// What every command shares: the injected context, --json, and the error boundary (src/commands/report.ts).
import { Command, type BaseContext } from 'clipanion';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { reportError } from './report.js';
import { spinnerFetch } from './spinner.js';

export { printJson, reportError } from './report.js';

export interface CliContext extends BaseContext {
  amplify: Context;
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

/** An account named as `<account>` or `--account <name>` (either, as people type both): one name, or none. */
export function namedAccount(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw usageError(`two accounts named ("${positional}" and --account "${option}"); name one.`);
  }
  return option ?? positional;
}
