// amplify credential <tool>: the helper protocols as plumbing commands, one per tool of the tool table
// (src/tools/index.ts) that has a protocol of its own. helpers/amplify and dist/amplify.js answer these before the
// command tree is built; the commands give them their --help, and answer through the same call
// (src/credential/main.ts) if they run.
import { Command, Option, type CommandClass as AnyCommandClass } from 'clipanion';
import { readInput } from '../credential/io.js';
import { answerCall, credentialCall, type CredentialTool } from '../credential/main.js';
import { TOOLS } from '../tools/index.js';
import type { CredentialArg, CredentialSpec } from '../tools/types.js';
import { AmplifyCommand, type CliContext } from './base.js';

type CommandClass = AnyCommandClass<CliContext>;

/** One helper protocol: the call credentialCall makes of the arguments, answered as the helpers answer it. */
abstract class HelperProtocolCommand extends AmplifyCommand {
  protected abstract call(): ReturnType<typeof credentialCall>;

  /** A tool reads the answer, and its user sees its own progress, if any. */
  protected override get showsProgress(): boolean {
    return false;
  }

  protected async run(): Promise<number> {
    const call = this.call();
    return answerCall(this.ctx, call, call.readsStdin ? await readInput(this.ctx.stdin) : Buffer.alloc(0));
  }
}

/** The clipanion option of one argument. */
function option(arg: CredentialArg): unknown {
  if (arg.kind === 'positional') return Option.String({ required: true, name: arg.name });
  if (arg.kind === 'boolean') return Option.Boolean(arg.name, false, { description: arg.description });
  return arg.required ? Option.String(arg.name, { required: true, description: arg.description }) : Option.String(arg.name, { description: arg.description });
}

/** The command line the tool's executable would have been given, rebuilt from the parsed options in their order. */
function argvOf(args: readonly CredentialArg[], values: Record<string, unknown>): string[] {
  return args.flatMap((arg): string[] => {
    const value = values[arg.name];
    if (arg.kind === 'positional') return [value as string];
    if (arg.kind === 'boolean') return value ? [arg.name] : [];
    return value === undefined ? [] : [arg.name, value as string];
  });
}

function credentialCommand(name: CredentialTool, spec: CredentialSpec): CommandClass {
  const placeholders = Object.fromEntries(spec.args.flatMap((a) => (a.kind === 'string' && a.placeholder ? [[a.name, a.placeholder]] : [])));
  return class extends HelperProtocolCommand {
    static override paths = [['credential', name]];
    static placeholders = placeholders;
    static override usage = Command.Usage({ category: 'Plumbing', description: spec.description, ...(spec.details ? { details: spec.details } : {}), examples: spec.examples });

    constructor() {
      super();
      // clipanion reads a command's options from its instance's own properties, in their order.
      for (const arg of spec.args) (this as unknown as Record<string, unknown>)[arg.name] = option(arg);
    }

    protected call() {
      return credentialCall(name, argvOf(spec.args, this as unknown as Record<string, unknown>));
    }
  } as unknown as CommandClass;
}

/** `amplify credential <tool>`, in the table's order. */
export const CREDENTIAL_COMMANDS: CommandClass[] = TOOLS.flatMap((tool) => ('credential' in tool ? [credentialCommand(tool.name, tool.credential as CredentialSpec)] : []));
