// amplify auth setup [<tool>]: bind a host to an account and configure the tool to ask amplify; one command per tool
// of the tool table (src/tools/index.ts).
import { Command, Option, type CommandClass as AnyCommandClass } from 'clipanion';
import type { SetupRequest } from '../setup/index.js';
import type { Tool } from '../store/config.js';
import { TOOLS } from '../tools/index.js';
import type { SetupSpec } from '../tools/types.js';
import { AmplifyCommand, type CliContext, printJson } from './base.js';

type CommandClass = AnyCommandClass<CliContext>;

export class SetupListCommand extends AmplifyCommand {
  static override paths = [['auth', 'setup']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'list the hosts bound to accounts',
    examples: [['List bindings', '$0 auth setup']],
  });

  json = Option.Boolean('--json', false, { description: 'print the bindings as JSON' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const { describeBinding, listBindings } = await import('../setup/index.js');
    const bindings = await listBindings(this.ctx);
    if (this.json) printJson(this.ctx, bindings);
    else if (bindings.length === 0) this.ctx.stdout.write('No bindings. Run `amplify auth setup git --host <host>` (or docker, npm, kubectl).\n');
    else this.ctx.stdout.write(bindings.map((b) => `${describeBinding(b)}\n`).join(''));
  }
}

abstract class SetupToolCommand extends AmplifyCommand {
  account = Option.String('--account', { description: 'always use this account (default: whichever is selected at the time of use)' });
  remove = Option.Boolean('--remove', false, { description: 'undo the binding and the tool configuration' });
  json = Option.Boolean('--json', false, { description: 'print the binding as JSON' });

  protected abstract tool: Tool;
  protected abstract target(): string;
  protected username(): string | undefined {
    return undefined;
  }

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const request: SetupRequest = { tool: this.tool, target: this.target(), account: this.account, username: this.username(), remove: this.remove };
    // Loaded on use: it brings the tools' file writers, which no other command needs.
    const { describeBinding, setup } = await import('../setup/index.js');
    const result = await setup(this.ctx, request);
    for (const note of result.notes) this.ctx.log.warn(`amplify: ${note}`);
    if (this.json) {
      printJson(this.ctx, { ...result.binding, removed: this.remove, changed: result.changed });
      return;
    }
    this.ctx.stdout.write(this.remove ? `Removed ${this.tool} ${request.target}.\n` : `Bound ${describeBinding(result.binding)}.\n`);
    for (const line of result.changed) this.ctx.stdout.write(`  ${line}\n`);
  }
}

function toolSetupCommand(name: Tool, spec: SetupSpec): CommandClass {
  return class extends SetupToolCommand {
    static override paths = [['auth', 'setup', name]];
    static placeholders = spec.placeholder ? { [spec.flag]: spec.placeholder } : undefined;
    static override usage = Command.Usage({ category: 'Tools', description: spec.description, ...(spec.details ? { details: spec.details } : {}), examples: spec.examples });

    protected tool = name;
    declare private targetValue: string;
    declare private usernameValue: string | undefined;

    constructor() {
      super();
      // clipanion reads a command's options from its instance's own properties, in their order: the target, then --username.
      const self = this as unknown as Record<string, unknown>;
      self.targetValue = Option.String(spec.flag, { required: true, description: spec.flagDescription });
      if (spec.username) self.usernameValue = Option.String('--username', { description: spec.username });
    }

    protected target(): string {
      return this.targetValue;
    }

    protected override username(): string | undefined {
      return this.usernameValue;
    }
  } as unknown as CommandClass;
}

/** `amplify auth setup <tool>`, in the table's order. */
export const SETUP_COMMANDS: CommandClass[] = TOOLS.map((tool) => toolSetupCommand(tool.name, tool.setup));
