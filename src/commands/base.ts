// What every command shares: the injected context, --json, and the error boundary (src/commands/report.ts).
import { Command, type BaseContext } from 'clipanion';
import type { Context } from '../context.js';
import { reportError } from './report.js';

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

  protected abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      return reportError(this.ctx, error, this.wantsJson);
    }
  }
}
