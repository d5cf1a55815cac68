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
import { fstatSync } from 'node:fs';
import { terminalWidth } from '../commands/style.js';
import { directOutput, readStandardInput } from '../credential/io.js';
import { answerCall, credentialCall } from '../credential/main.js';
import { execEnvironment, npmRegistries, runProgram } from '../exec/run.js';
import { readConfig } from '../store/config.js';
import { createLogger } from '../log.js';
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

const debugging = (): boolean => process.env.AMPLIFY_DEBUG === '1';

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
 * `auth exec`: the token from the files, then the program, run as the command runs it (src/exec/run.ts). Once the
 * program has been started there is no handing over: its failures are said here, through the CLI's own reporter.
 */
async function runExecFast(call: Extract<FastCall, { entry: 'exec' }>, full: FullBuild): Promise<void> {
  const { ctx, stderr } = heldContext();
  const config = await readConfig(ctx).catch(() => undefined);
  const access = config && (await getAccessToken(ctx, { account: call.account, config }).catch(() => undefined));
  if (config === undefined || access === undefined || fastTierMissed() !== undefined) {
    traceHandOver('the CLI');
    await full.cli();
    return;
  }
  stderr.flushTo(2);
  const [program, ...args] = call.command;
  const out = { stdout: directOutput(1), stderr: directOutput(2), env: ctx.env };
  process.exitCode = await runProgram(program!, args, execEnvironment(ctx.env, access, npmRegistries(config))).catch((error: unknown) => reportError(out, error, false));
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
  try {
    answer = await commandOutput(ctx, call);
  } catch {
    // Said again by the CLI, below.
  }
  if (answer === undefined || fastTierMissed() !== undefined) {
    traceHandOver('the CLI');
    await full.cli();
    return;
  }
  stderr.flushTo(2);
  stdout.write(answer);
  stdout.flushTo(1);
}
