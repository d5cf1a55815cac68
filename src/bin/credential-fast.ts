// The fast tier, built as one CommonJS file (dist/credential-fast.cjs) that answers from the files on disk: the helpers'
// calls and the commands scripts run on every use (src/bin/entries.ts lists which). dist/fast-start.cjs
// (src/bin/fast-start.ts) loads it from a code cache.
//
// Node starts a CommonJS entry without its ES module loader, which alone costs 3 to 4 ms: a sixth of `node -e 0`.
// This tier runs the same handlers and formatters as the full build over the same files, but the build gives it a
// stand-in for every module the full build loads lazily (the OAuth client, the file lock and writer, prompts, the
// browser) and for every file write (src/bin/fast-fs.ts): the stand-in reports itself (src/bin/fast-miss.ts) and
// throws. Until the tier knows that it answered the call itself, whatever it would print is held; a call that reached
// a stand-in, or failed in any way, is answered again from the start by the full build, which reads the files again
// (and so says the same thing the same way): a helper call by the helpers' full tier (dist/credential-full.cjs) with
// the stdin this tier read, a command by the ES module CLI. So nothing is written before the hand-over, and a command
// prints the same bytes and exits with the same code on either tier.
import { describeAccount, listAccounts } from '../accounts/manage.js';
import { getAccessToken } from '../accounts/tokens.js';
import { formatAccessToken, formatAccountList, formatWhoami } from '../commands/format.js';
import { reportError } from '../commands/report.js';
import { createContext, type Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { fstatSync } from 'node:fs';
import { terminalWidth } from '../commands/style.js';
import { directOutput, readStandardInput } from '../credential/io.js';
import { answerCall, credentialCall } from '../credential/main.js';
import { execEnvironment, npmRegistries, runProgram } from '../exec/run.js';
import { readConfig } from '../store/config.js';
import { createLogger } from '../log.js';
import { debugOn } from '../debug.js';
import { isHelperCall, type CredentialTool, type FastCall } from './entries.js';
import { fastTierMissed } from './fast-miss.js';

/** An answer kept until the tier knows it answered the call itself. */
interface Held extends NodeJS.WritableStream {
  flushTo(fd: 1 | 2): void;
}

function heldOutput(): Held {
  const chunks: Array<string | Uint8Array> = [];
  return {
    write: (chunk: string | Uint8Array) => chunks.push(chunk) > 0,
    flushTo: (fd: 1 | 2) => {
      const out = directOutput(fd);
      for (const chunk of chunks) out.write(chunk);
    },
  } as unknown as Held;
}

const debugging = (): boolean => debugOn(process.env);

/** A context whose stdout, stderr and warnings are all held (see the top of the file). */
function heldContext(): { ctx: Context; stdout: Held; stderr: Held } {
  const stdout = heldOutput();
  const stderr = heldOutput();
  return { ctx: createContext({ stdout, stderr, log: createLogger(stderr, debugging()) }), stdout, stderr };
}

/** Said (with AMPLIFY_DEBUG=1) when a call is handed over; the tests look for it. */
function traceHandOver(to: string): void {
  if (debugging()) directOutput(2).write(`amplify: debug: ${fastTierMissed() ?? 'a failure'} needed: the full build answers (${to})\n`);
}

/**
 * How the tier reaches the full build: given by dist/fast-start.cjs. The tier makes no import() itself: compiled
 * through vm.Script, Node 20 gives it no module loader (the build turns the tier's dynamic imports of packages, the
 * native keyring among them, into require calls, and refuses a tier with an import() left).
 */
export interface FullBuild {
  /** The helpers' full tier. */
  credential(): Promise<typeof import('./credential.js')>;
  /** The ES module CLI: loading it runs the CLI on process.argv. */
  cli(): Promise<unknown>;
}

async function runCredentialFast(tool: CredentialTool, args: string[], full: FullBuild): Promise<void> {
  const call = credentialCall(tool, args);
  const input = call.readsStdin ? await readStandardInput() : Buffer.alloc(0);
  const { ctx, stdout, stderr } = heldContext();
  // answerCall turns every failure into the tool's answer; a stand-in's shows as a miss.
  const exitCode = await answerCall(ctx, call, input);
  if (fastTierMissed() === undefined) {
    stdout.flushTo(1);
    stderr.flushTo(2);
    process.exitCode = exitCode;
    return;
  }
  traceHandOver('the helpers\' full tier');
  const { runCredential } = await full.credential();
  await runCredential(tool, args, input);
}

type CommandCall = Exclude<FastCall, { entry: CredentialTool | 'version' }>;

/** A command's output, as its clipanion command (src/commands/*.ts) prints it. */
async function commandOutput(ctx: Context, call: Exclude<CommandCall, { entry: 'exec' }>): Promise<string> {
  switch (call.entry) {
    case 'ls':
      return formatAccountList(await listAccounts(ctx), call.json, ctx.now(), { width: terminalWidth(undefined, ctx.env) });
    case 'whoami':
      return formatWhoami(await describeAccount(ctx, call.account), call.json, ctx.now());
    case 'token':
      return formatAccessToken(await getAccessToken(ctx, { account: call.account, minValidity: call.minValidity }), call.json);
  }
}

/**
 * A failure the tier says itself, through the CLI's own reporter (the same bytes): one of ours (AmplifyError), met
 * with nothing missing. Handing it over instead would make the CLI ask again: after a refresh that another process
 * made and that failed, a second request to the same failing issuer and a second deadline, where the SPEC has the
 * waiters share the outcome. Anything else (a miss, an unexpected error) goes to the CLI.
 */
const saidHere = (failure: unknown): failure is AmplifyError => failure instanceof AmplifyError && fastTierMissed() === undefined;

const directReporter = (ctx: Context) => ({ stdout: directOutput(1), stderr: directOutput(2), env: ctx.env });

/**
 * Where the call failed or missed: its failure said here (saidHere), else the call handed to the CLI; false where the
 * tier has its answer and nothing was missed.
 */
async function handedOverOrSaid(ctx: Context, stderr: Held, failed: boolean, failure: unknown, json: boolean, full: FullBuild): Promise<boolean> {
  if (saidHere(failure)) {
    stderr.flushTo(2);
    process.exitCode = reportError(directReporter(ctx), failure, json);
    return true;
  }
  if (!failed && fastTierMissed() === undefined) return false;
  traceHandOver('the CLI');
  await full.cli();
  return true;
}

/**
 * `auth exec`: the token from the files, then the program, run as the command runs it (src/exec/run.ts). Once the
 * program has been started there is no handing over: its failures are said here, through the CLI's own reporter.
 */
async function runExecFast(call: Extract<FastCall, { entry: 'exec' }>, full: FullBuild): Promise<void> {
  const { ctx, stderr } = heldContext();
  let failure: unknown;
  const config = await readConfig(ctx).catch((error: unknown) => void (failure = error));
  const access = config && (await getAccessToken(ctx, { account: call.account, config }).catch((error: unknown) => void (failure = error)));
  if ((await handedOverOrSaid(ctx, stderr, !config || access === undefined, failure, false, full)) || !config || !access) return;
  stderr.flushTo(2);
  const [program, ...args] = call.command;
  process.exitCode = await runProgram(program!, args, execEnvironment(ctx.env, access, npmRegistries(config))).catch((error: unknown) => reportError(directReporter(ctx), error, false));
}

/** Answers one call of the table (src/bin/entries.ts), or hands it over; `--version` is the loader's (fast-start.ts). */
export async function runFastCall(call: Exclude<FastCall, { entry: 'version' }>, full: FullBuild): Promise<void> {
  if (isHelperCall(call)) return runCredentialFast(call.entry, call.args, full);
  if (call.entry === 'exec') return runExecFast(call, full);
  // A terminal (a person) gets colour and a table fitted to its width, which take the tty module: the full CLI's.
  // What a script or a prompt reads through a pipe or a file is answered here (/dev/null, a character device too, goes along).
  if (call.entry === 'ls' && !call.json && fstatSync(1).isCharacterDevice()) {
    traceHandOver('the CLI');
    await full.cli();
    return;
  }
  const { ctx, stdout, stderr } = heldContext();
  let answer: string | undefined;
  let failure: unknown;
  try {
    answer = await commandOutput(ctx, call);
  } catch (error) {
    // Said again by the CLI, below, unless it is one of ours and the tier had all it needed (see saidHere).
    failure = error;
  }
  if ((await handedOverOrSaid(ctx, stderr, answer === undefined, failure, call.json, full)) || answer === undefined) return;
  stderr.flushTo(2);
  stdout.write(answer);
  stdout.flushTo(1);
}
