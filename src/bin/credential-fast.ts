// The helpers' first tier, built as one CommonJS file (dist/credential-fast.cjs) that answers from the files on disk;
// it answers `amplify auth ls` too. dist/fast-start.cjs (src/bin/fast-start.ts) loads it from V8's code cache.
//
// Node starts a CommonJS entry without its ES module loader, which alone costs 3 to 4 ms: a sixth of `node -e 0`.
// This tier runs the same handlers as the full build over the same files, but the build gives it a stand-in for
// every module the full build loads lazily (the OAuth client, the file lock and writer, prompts, the browser):
// the stand-in reports itself to fastTierMiss() and throws. A call that reaches one (a refresh, a store, an
// erase) is answered again, from the start, by the helpers' full tier (dist/credential-full.cjs: the same
// handlers with everything bundled) with the stdin this tier read; `auth ls` goes to the ES module CLI. The
// answer this tier had written meanwhile is held back and dropped (its warnings, such as a token file found
// readable by others and tightened, are not: the full build would not see the cause again).
import { fstatSync } from 'node:fs';
import { listAccounts } from '../accounts/manage.js';
import { formatAccountList } from '../commands/format.js';
import { terminalWidth } from '../commands/style.js';
import { createContext } from '../context.js';
import { directOutput, readStandardInput } from '../credential/io.js';
import { answerCall, credentialCall, type CredentialTool } from '../credential/main.js';
import { createLogger } from '../log.js';

let missed: string | undefined;

/** The build's stand-ins call this: the call needs `specifier`, which only the full build has. */
export function fastTierMiss(specifier: string): Error {
  missed ??= specifier;
  return new Error(`${specifier} is not in the helpers' fast tier`);
}

/** An answer kept until the tier knows it answered the call itself. */
function heldOutput(): NodeJS.WritableStream & { flushTo(fd: 1 | 2): void } {
  const chunks: Array<string | Uint8Array> = [];
  return {
    write: (chunk: string | Uint8Array) => chunks.push(chunk) > 0,
    flushTo: (fd: 1 | 2) => {
      const out = directOutput(fd);
      for (const chunk of chunks) out.write(chunk);
    },
  } as unknown as NodeJS.WritableStream & { flushTo(fd: 1 | 2): void };
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

export async function runCredentialFast(tool: CredentialTool, args: string[], full: FullBuild): Promise<void> {
  const call = credentialCall(tool, args);
  const input = call.readsStdin ? await readStandardInput() : Buffer.alloc(0);
  const stdout = heldOutput();
  const stderr = heldOutput();
  const log = createLogger(directOutput(2), process.env.AMPLIFY_DEBUG === '1');
  const exitCode = await answerCall(createContext({ stdout, stderr, log }), call, input);
  if (missed === undefined) {
    stdout.flushTo(1);
    stderr.flushTo(2);
    process.exitCode = exitCode;
    return;
  }
  log.debug(`${missed} needed: the full build answers`);
  const { runCredential } = await full.credential();
  await runCredential(tool, args, input);
}

/**
 * `amplify auth ls` or `auth list`, with `--json` or not and nothing else (helpers/amplify checks): ListCommand's
 * output without the command tree. Anything else, failures included, is the full CLI's to answer (one line, or JSON
 * with --json): it starts from process.argv and reads the files again.
 */
export async function runListFast(args: string[], full: FullBuild): Promise<void> {
  // A terminal (a person) gets colour and a table fitted to its width, which take the tty module: the full CLI's.
  // What a script or a prompt reads through a pipe or a file is answered here. (/dev/null, a character device too, goes along.)
  if (fstatSync(1).isCharacterDevice()) {
    await full.cli();
    return;
  }
  const stderr = heldOutput();
  const ctx = createContext({ stdout: heldOutput(), stderr, log: createLogger(directOutput(2), process.env.AMPLIFY_DEBUG === '1') });
  let answer: string | undefined;
  try {
    const accounts = await listAccounts(ctx);
    if (missed === undefined) answer = formatAccountList(accounts, args.includes('--json'), ctx.now(), { width: terminalWidth(undefined, process.env) });
  } catch {
    // Said again by the full CLI, below.
  }
  // Warnings stand either way (see the top of the file).
  stderr.flushTo(2);
  if (answer !== undefined) directOutput(1).write(answer);
  else await full.cli();
}
