// What a helper tool entry (src/tools/<tool>.ts) says: the tool's name, the executable that speaks for it, how a call
// of `amplify credential <tool>` is parsed and answered, and how `amplify auth setup <tool>` wires it. The tool's file
// holds its answer and its setup code too; the build keeps the setup out of the helpers' tiers, and gives the loader
// (src/bin/fast-start.ts) the entries' data only (tsup.config.ts).
import type { Context } from '../context.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import type { HostBinding } from '../store/config.js';

/** Answers one helper request; `action` and `input` as HelperCall gives them. */
export type Handler = (ctx: HelperContext, action: string | undefined, input: Buffer) => Promise<HelperAnswer>;

/** One helper request: which handler answers it, and how its tool talks. */
export interface HelperCall {
  handler: Handler;
  action: string | undefined;
  readsStdin: boolean;
  /** docker shows a helper's stdout as the error; git, kubectl and terraform show stderr. */
  errorsOnStdout: boolean;
}

/** One argument of `amplify credential <tool>`, in the order the helpers' own command line has them. */
export type CredentialArg =
  | { kind: 'positional'; name: string }
  | { kind: 'string'; name: string; description: string; required?: boolean; placeholder?: string }
  | { kind: 'boolean'; name: string; description: string };

/** `amplify credential <tool> ...` (and the tool's executable, which calls the same). */
export interface CredentialSpec {
  /** `amplify credential <tool> --help`. */
  description: string;
  details?: string;
  examples: Array<[string, string]>;
  args: readonly CredentialArg[];
  /**
   * An option line (npm's `--registry <url> [--bearer]`): the fast tier takes exactly the options `args` names, each
   * once, the required ones given; any other shape is the CLI's usage error. Otherwise any argv that asks no --help.
   */
  optionLine?: boolean;
  /** What answers `args` (what follows the tool's name on the command line). */
  call(args: string[]): HelperCall;
}

export interface ToolChange {
  changed: string[];
  notes: string[];
}

export type SetupContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'runTool'>;

/** What the tool's own configuration says about a binding, for `amplify auth doctor`. */
export interface Wiring {
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface SetupTarget {
  tool: string;
  /** As the person gave it: host[:port] (git, docker, terraform), registry URL (npm, pnpm), cluster name (kubectl). */
  target: string;
  account?: string;
}

/** The tool's setup code (`<tool>Setup` in src/tools/<tool>.ts), loaded when a setup or doctor runs. */
export interface ToolSetup {
  /** The binding's hosts for a target (git: the https origin, and http for a loopback host); a usage error for a bad one. */
  bindingHosts(target: string): string[];
  /** Writes the tool's own configuration for the binding. */
  configure(ctx: SetupContext, request: SetupTarget, hosts: string[], binding: HostBinding): Promise<ToolChange>;
  /** Undoes configure (--remove). */
  unconfigure(ctx: SetupContext, request: SetupTarget, hosts: string[]): Promise<ToolChange>;
  /** Whether the tool's configuration still uses the binding (doctor). */
  check(ctx: Pick<Context, 'env' | 'runTool'>, binding: HostBinding): Promise<Wiring>;
}

/** `amplify auth setup <tool>`'s flags and help, and how its code is loaded. */
export interface SetupSpec {
  /** The option naming the target. */
  flag: '--host' | '--registry' | '--cluster';
  flagDescription: string;
  /** What help shows for the flag's value, where not `<host>` and the like. */
  placeholder?: string;
  /** Where the tool is given a username: the description of --username. */
  username?: string;
  description: string;
  details?: string;
  examples: Array<[string, string]>;
  /** One binding per account of a host (git: `setup git --host H --account A`, once per account). */
  perAccount?: boolean;
  /** The target `setup` takes, from a binding's host (what `amplify auth setup <tool> <flag> <target>` repeats). */
  target(host: string): string;
  /** The tool module's own `<tool>Setup`, loaded from itself: what the build makes a stand-in in the helpers' tiers. */
  load(): Promise<ToolSetup>;
}

export interface ToolEntry {
  name: string;
  /** The executable in helpers/ (and package.json's bin) that speaks for the tool, if it has its own. */
  executable?: string;
  /** Where the tool has its own helper protocol: `amplify credential <name>`. */
  credential?: CredentialSpec;
  setup: SetupSpec;
}
