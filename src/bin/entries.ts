// Every way into amplify and which tier answers it: the one table that helpers/*, src/bin/amplify.ts,
// src/bin/fast-start.ts, tsup.config.ts and the tests read.
//
// Three tiers: the fast CommonJS tier (dist/credential-fast.cjs, answers from the files on disk), the helpers'
// full CommonJS tier (dist/credential-full.cjs: refreshes, stores and erases of git, docker and kubectl) and the
// ES module CLI (dist/amplify.js: everything, with clipanion). A command line goes to the fast tier only in the
// exact shapes below; any other spelling (a flag the table does not know, a repeated one, --help, a bad number) is
// the CLI's, so that its usage errors and help stay its own. The fast tier hands a call over when the files do not
// let it answer (a refresh is due, an account needs a login, anything unexpected).
import { TOOLS, type CredentialTool, type ToolExecutable } from '../tools/index.js';
import type { CredentialSpec } from '../tools/types.js';

/** The tools with a credential helper protocol, from the tool table (src/tools/index.ts), in its order. */
export const HELPER_TOOLS: readonly CredentialTool[] = TOOLS.flatMap((tool): CredentialTool[] => ('credential' in tool ? [tool.name] : []));
export type { CredentialTool };

/** The executables in helpers/ (package.json's bin), and the helper tool each one speaks for, if any. */
export const EXECUTABLES: Readonly<Record<Executable, CredentialTool | undefined>> = {
  amplify: undefined,
  ...(Object.fromEntries(TOOLS.flatMap((tool) => ('executable' in tool ? [[tool.executable, tool.name]] : []))) as Record<ToolExecutable, CredentialTool>),
};
export type Executable = 'amplify' | ToolExecutable;

/** A call the fast tier answers, parsed: what each entry needs to know of its command line. */
export type FastCall =
  | { entry: CredentialTool; args: string[] }
  | { entry: 'ls'; json: boolean }
  | { entry: 'token'; account?: string; minValidity?: number; json: boolean }
  | { entry: 'whoami'; account?: string; json: boolean }
  | { entry: 'exec'; account?: string; command: string[] }
  | { entry: 'version' };
export type FastEntry = FastCall['entry'];
export type HelperCall = Extract<FastCall, { args: string[] }>;

/** A call of a credential helper protocol (the helpers' tiers answer those), as opposed to a command. */
export const isHelperCall = (call: FastCall): call is HelperCall => 'args' in call;

/** Every entry, for the tests and the bench (each keeps its own code cache: src/bin/fast-start.ts). */
export const FAST_ENTRIES: readonly FastEntry[] = [...HELPER_TOOLS, 'ls', 'token', 'whoami', 'exec', 'version'];

/**
 * What the fast tier may load besides its own file: Node's builtins a cached answer needs, the native keyring (the
 * keyring store, when its access-token cache is stale) and node:child_process (exec's child). The build refuses a
 * fast tier that requires anything else (tsup.config.ts); test/perf-fast-path.test.ts checks what a run loads.
 */
// node:tty only for exec, which asks isatty when a signal comes while its child runs (src/exec/run.ts).
export const FAST_TIER_REQUIRES: readonly string[] = ['node:fs', 'node:path', 'node:os', 'node:crypto', 'node:child_process', 'node:tty', '@napi-rs/keyring'];

const wantsHelp = (args: string[]): boolean => args.includes('--help') || args.includes('-h');

/** An account name as an option value: `--account <name>` must not swallow the next flag. */
const plainValue = (value: string | undefined): value is string => value !== undefined && value !== '' && !value.startsWith('-');

/**
 * Options of the shape `--name <value>`, `--name=<value>` or a boolean `--flag`, each at most once; undefined when
 * anything else is there (the CLI answers it). `positional` takes one operand that is not a flag, where allowed.
 */
function parseOptions(
  args: string[],
  values: readonly string[],
  flags: readonly string[],
  positional = false,
): { values: Record<string, string>; flags: Set<string>; operand?: string } | undefined {
  const out = { values: {} as Record<string, string>, flags: new Set<string>(), operand: undefined as string | undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (values.includes(name)) {
      if (name in out.values) return undefined;
      const value = eq > 0 && name !== arg ? arg.slice(eq + 1) : args[++i];
      if (!plainValue(value)) return undefined;
      out.values[name] = value;
    } else if (flags.includes(arg)) {
      if (out.flags.has(arg)) return undefined;
      out.flags.add(arg);
    } else if (positional && out.operand === undefined && plainValue(arg)) {
      out.operand = arg;
    } else return undefined;
  }
  return out;
}

/** --min-validity as the CLI's validator takes it (a whole number of seconds, at least 0), spelled plainly. */
const seconds = (value: string | undefined): number | undefined | null => (value === undefined ? undefined : /^(0|[1-9][0-9]{0,8})$/.test(value) ? Number(value) : null);

/** `amplify <argv>`: the fast tier's call, or undefined for the ES module CLI. */
function amplifyRoute(argv: string[]): FastCall | undefined {
  const [first, second, ...rest] = argv;
  if (argv.length === 1 && (first === '--version' || first === '-v')) return { entry: 'version' };
  if (first === 'credential') {
    const tool = TOOLS.find((t) => t.name === second);
    if (!tool || !('credential' in tool)) return undefined;
    const spec = tool.credential as CredentialSpec;
    // An option line (npm's `--registry <url> [--bearer]`): any other shape gets the CLI's usage error.
    if (spec.optionLine) {
      const values = spec.args.filter((a) => a.kind === 'string');
      const options = parseOptions(rest, values.map((a) => a.name), spec.args.filter((a) => a.kind === 'boolean').map((a) => a.name));
      return options && values.every((a) => !a.required || options.values[a.name]) ? { entry: tool.name, args: rest } : undefined;
    }
    return !wantsHelp(rest) ? { entry: tool.name, args: rest } : undefined;
  }
  if (first !== 'auth') return undefined;
  if (second === 'ls' || second === 'list') {
    const options = parseOptions(rest, [], ['--json']);
    return options && { entry: 'ls', json: options.flags.has('--json') };
  }
  if (second === 'token') {
    const options = parseOptions(rest, ['--account', '--min-validity'], ['--json']);
    const minValidity = seconds(options?.values['--min-validity']);
    if (!options || minValidity === null) return undefined;
    return { entry: 'token', account: options.values['--account'], minValidity, json: options.flags.has('--json') };
  }
  if (second === 'whoami') {
    const options = parseOptions(rest, [], ['--json'], true);
    return options && { entry: 'whoami', account: options.operand, json: options.flags.has('--json') };
  }
  if (second === 'exec') {
    // `auth exec [--account <name>] -- <command> [args...]`, the form the SPEC gives; other spellings are the CLI's.
    const end = rest.indexOf('--');
    const options = end >= 0 ? parseOptions(rest.slice(0, end), ['--account'], []) : undefined;
    const command = rest.slice(end + 1);
    if (!options || command.length === 0 || command[0] === '') return undefined;
    return { entry: 'exec', account: options.values['--account'], command };
  }
  return undefined;
}

/** Which tier answers `executable argv...`: a fast call, or undefined for the ES module CLI. */
export function route(executable: Executable, argv: string[]): FastCall | undefined {
  const tool = EXECUTABLES[executable];
  return tool === undefined ? amplifyRoute(argv) : { entry: tool, args: argv };
}
