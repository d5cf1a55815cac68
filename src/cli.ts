// The amplify command: a clipanion Cli over src/commands/*, with usage errors on one line (exit 2).
import { Builtins, Cli } from 'clipanion';
import { reportError, type CliContext } from './commands/base.js';
import { DockerCredentialCommand, GitCredentialCommand, KubectlCredentialCommand } from './commands/credential.js';
import { ExecCommand } from './commands/exec.js';
import { ListCommand } from './commands/list.js';
import { LoginCommand } from './commands/login.js';
import { LogoutCommand } from './commands/logout.js';
import { SetupDockerCommand, SetupGitCommand, SetupKubectlCommand, SetupListCommand, SetupNpmCommand } from './commands/setup.js';
import { SwitchCommand } from './commands/switch.js';
import { TokenCommand } from './commands/token.js';
import { WhoamiCommand } from './commands/whoami.js';
import { createContext, type Context } from './context.js';
import { AmplifyError } from './errors.js';
import { maskArgv } from './log.js';
import { version } from './version.js';

export function buildCli(colors = false): Cli<CliContext> {
  const cli = new Cli<CliContext>({ binaryLabel: 'Amplify auth', binaryName: 'amplify', binaryVersion: version, enableCapture: false, enableColors: colors });
  const commands = [
    ListCommand,
    LoginCommand,
    LogoutCommand,
    SwitchCommand,
    WhoamiCommand,
    TokenCommand,
    ExecCommand,
    SetupListCommand,
    SetupGitCommand,
    SetupDockerCommand,
    SetupNpmCommand,
    SetupKubectlCommand,
    GitCredentialCommand,
    DockerCredentialCommand,
    KubectlCredentialCommand,
  ];
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}

/** clipanion's multi-line syntax errors, folded into the one line the SPEC asks for, secret values masked. */
function usageLine(error: unknown, argv: string[]): string {
  const text = error instanceof Error ? error.message : String(error);
  const [first = 'invalid command line', ...rest] = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('While running'));
  const suggestions = rest.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
  const head = first.replace(/[:.;]?\s*$/, '').replace(/; did you mean( one of)?$/, '');
  const hint = suggestions.length ? `; did you mean ${suggestions.slice(0, 3).map((s) => `\`${s}\``).join(' or ')}?` : '';
  return `${head} (\`amplify ${maskArgv(argv).join(' ')}\`)${hint} Run \`amplify --help\` for usage.`;
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
  const cli = buildCli(Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.NO_COLOR);
  const context: CliContext = { amplify: ctx, env: ctx.env, stdin: ctx.stdin as CliContext['stdin'], stdout: ctx.stdout as CliContext['stdout'], stderr: ctx.stderr as CliContext['stderr'], colorDepth: 1 };
  let command;
  try {
    command = cli.process({ input: argv, context });
  } catch (error) {
    return reportError(ctx, new AmplifyError('EUSAGE', usageLine(error, argv)), argv.includes('--json'));
  }
  return cli.run(command, context);
}
