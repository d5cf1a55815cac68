// The amplify command: a clipanion Cli over src/commands/*, with usage errors on one line (exit 2).
import { Builtins, Cli, type CommandClass } from 'clipanion';
import { reportError, type CliContext } from './commands/base.js';
import { DoctorCommand } from './commands/doctor.js';
import { CREDENTIAL_COMMANDS } from './commands/credential.js';
import { ExecCommand } from './commands/exec.js';
import { closest, commandFor, describeCommands, groupOf, leadingWords, nextWords, renderHelp, type CommandHelp } from './commands/help.js';
import { HelpCommand, VersionCommand } from './commands/meta.js';
import { ListCommand } from './commands/list.js';
import { StatusCommand } from './commands/status.js';
import { LoginCommand } from './commands/login.js';
import { LogoutCommand } from './commands/logout.js';
import { SETUP_COMMANDS, SetupListCommand } from './commands/setup.js';
import { SwitchCommand } from './commands/switch.js';
import { TokenCommand } from './commands/token.js';
import { WhoamiCommand } from './commands/whoami.js';
import { createContext, type Context } from './context.js';
import { wantsColour, styleFor } from './commands/style.js';
import { AmplifyError } from './errors.js';
import { secretOptions } from './grants/index.js';
import { maskArgv } from './log.js';
import { version } from './version.js';

// What an in-process run (test/support/cli.ts runCli) needs besides main(): the same context and error line as
// dist/amplify.js, and a fresh masking registry per run, as a fresh process has.
export { createContext } from './context.js';
export { reportError } from './commands/report.js';
export { forgetSecrets } from './log.js';

/** Every command, in the order help lists them. */
const COMMANDS = [
  LoginCommand,
  LogoutCommand,
  ListCommand,
  SwitchCommand,
  WhoamiCommand,
  StatusCommand,
  TokenCommand,
  ExecCommand,
  SetupListCommand,
  ...SETUP_COMMANDS,
  DoctorCommand,
  ...CREDENTIAL_COMMANDS,
  HelpCommand,
  VersionCommand,
];

export function buildCli(colors = false): Cli<CliContext> {
  const cli = new Cli<CliContext>({ binaryLabel: 'Amplify auth', binaryName: 'amplify', binaryVersion: version, enableCapture: false, enableColors: colors });
  for (const command of COMMANDS) cli.register(command);
  cli.register(Builtins.VersionCommand);
  return cli;
}

const helpFor = (cli: Cli<CliContext>): CommandHelp[] => describeCommands(cli as unknown as Cli<never>, COMMANDS as unknown as CommandClass<never>[]);

/**
 * The command line as a usage error repeats it. Every echo goes through here, so that what it must not show
 * (the values of --client-secret and --password) is masked in one place.
 */
export function commandLine(argv: string[]): string {
  return `amplify ${maskArgv(argv, secretOptions()).join(' ')}`;
}

/** Sentences joined as sentences: each ends with a full stop (or its own mark) before the next begins. */
const sentences = (...parts: Array<string | undefined>): string =>
  parts
    .filter((p): p is string => Boolean(p))
    .map((p) => (/[.?!]$/.test(p) ? p : `${p}.`))
    .join(' ');

/** clipanion's multi-line syntax errors, said in one line (the SPEC's usage error): what was wrong, what to run instead. */
function usageLine(error: unknown, argv: string[], commands: CommandHelp[]): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('While running')) ?? 'invalid command line';
  const words = leadingWords(argv);
  const command = commandFor(commands, words);
  const helpLine = (target: string) => `Run \`${target} --help\` for its options`;
  const unknownOption = /^Unsupported option name \("(.*)"\)/.exec(first);
  if (unknownOption && command) {
    const name = unknownOption[1]!.replace(/=.*$/, '');
    const guess = closest(name, command.options.flatMap((o) => o.names));
    return sentences(`unknown option ${name} in \`${commandLine(argv)}\`${guess ? `; did you mean ${guess}?` : ''}`, helpLine(command.title));
  }
  if (/^Command not found|^Extraneous positional argument/.test(first)) {
    const group = groupOf(commands, words);
    if (words.length > group.length && (!command || command.paths.every((p) => p.length === group.length) && !command.positionals)) {
      const word = words[group.length]!;
      const prefix = ['amplify', ...group].join(' ');
      const guess = closest(word, nextWords(commands, group)) ?? (group.length === 0 ? closest(word, nextWords(commands, ['auth'])) : undefined);
      const suggestion = guess === undefined ? undefined : group.length === 0 && !nextWords(commands, []).includes(guess) ? `amplify auth ${guess}` : `${prefix} ${guess}`;
      return sentences(
        `unknown command "${word}" in \`${commandLine(argv)}\``,
        suggestion ? `Did you mean \`${suggestion}\`?` : `${prefix} takes one of: ${nextWords(commands, group).join(', ')}`,
        `Run \`${prefix === 'amplify' ? 'amplify auth' : prefix} --help\` for the list`,
      );
    }
    const missing = command?.options.filter((o) => o.required && !argv.some((a) => o.names.some((n) => a === n || a.startsWith(`${n}=`))));
    if (command && missing?.length) {
      return sentences(`${missing.map((o) => o.name).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required: \`${[command.title, ...missing.map((o) => o.text)].join(' ')}\``, helpLine(command.title));
    }
    if (command) return sentences(`\`${commandLine(argv)}\` does not match the usage of ${command.title}`, helpLine(command.title));
  }
  const head = first.replace(/[:.;]?\s*$/, '').replace(/; did you mean( one of)?$/, '');
  const what = head.charAt(0).toLowerCase() + head.slice(1);
  return sentences(`${what} in \`${commandLine(argv)}\``, command ? helpLine(command.title) : 'Run `amplify --help` for usage');
}

/** The words `amplify help …`, `amplify … --help` or a bare group (`amplify`, `amplify auth`) asks help for. */
function helpWords(argv: string[], commands: CommandHelp[]): string[] | undefined {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  if (args[0] === 'help') return args.slice(1).filter((a) => !a.startsWith('-'));
  if (args.includes('--help') || args.includes('-h')) return leadingWords(args.filter((a) => a !== '--help' && a !== '-h'));
  // A group that is not itself a command (`amplify`, `amplify auth`, `amplify credential`) lists its commands.
  if (args.length === groupOf(commands, args).length && !commandFor(commands, args)?.paths.some((p) => p.length === args.length)) return args;
  return undefined;
}

/**
 * `--username` takes an optional value (`--username` alone prompts). clipanion reads such options only as
 * `--username=<v>`, so the spaced form `--username alice` is joined here.
 */
export function joinOptionalValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (arg === '--username' && next !== undefined && !next.startsWith('-')) {
      out.push(`--username=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

export async function main(rawArgv: string[], ctx: Context = createContext()): Promise<number> {
  const argv = rawArgv[0] === 'auth' && rawArgv[1] === 'login' ? joinOptionalValues(rawArgv) : rawArgv;
  const colours = wantsColour(ctx.stdout, ctx.env);
  const cli = buildCli(colours);
  const commands = helpFor(cli);
  const wanted = helpWords(argv, commands);
  if (wanted !== undefined) {
    const columns = Number(ctx.env.COLUMNS) || (ctx.stdout as { columns?: number }).columns;
    const text = renderHelp(commands, wanted, { binaryLabel: 'amplify-auth', version, style: styleFor(ctx.stdout, ctx.env), width: columns });
    if (text !== undefined) {
      ctx.stdout.write(text);
      return 0;
    }
  }
  const context: CliContext = { amplify: ctx, env: ctx.env, stdin: ctx.stdin as CliContext['stdin'], stdout: ctx.stdout as CliContext['stdout'], stderr: ctx.stderr as CliContext['stderr'], colorDepth: 1 };
  // `amplify help <words>` that matched no help is parsed as those words only for the usage error it makes: it never
  // runs them (`amplify help auth token alice` must not print a token, `amplify help auth logout alice` log anyone out).
  const asHelp = wanted !== undefined && argv[0] === 'help';
  const input = asHelp ? argv.slice(1) : argv;
  let command;
  try {
    command = cli.process({ input, context });
  } catch (error) {
    return reportError(ctx, new AmplifyError('EUSAGE', usageLine(error, input, commands)), argv.includes('--json'));
  }
  if (asHelp) {
    const words = leadingWords(input).join(' ');
    return reportError(ctx, new AmplifyError('EUSAGE', `\`amplify help\` takes a command's name, not its arguments: run \`amplify ${words} --help\`.`), argv.includes('--json'));
  }
  return cli.run(command, context);
}
