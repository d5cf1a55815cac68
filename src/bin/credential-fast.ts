// The helpers' first tier, built as one CommonJS file (dist/credential-fast.cjs) that answers from the files on disk.
//
// Node starts a CommonJS entry without its ES module loader, which alone costs 3 to 4 ms: a sixth of `node -e 0`.
// This tier runs the same handlers as the full build over the same files, but the build gives it a stand-in for
// every module the full build loads lazily (the OAuth client, the file lock and writer, prompts, the browser):
// the stand-in reports itself to fastTierMiss() and throws. A call that reaches one (a refresh, a store, an
// erase) is answered again, from the start, by the full ES module build, with the stdin this tier read; the
// answer this tier had written meanwhile is held back and dropped (its warnings, such as a token file found
// readable by others and tightened, are not: the full build would not see the cause again).
import { createContext } from '../context.js';
import { directOutput, readStandardInput } from '../credential/io.js';
import { answerCall } from '../credential/main.js';
import { createLogger } from '../log.js';
import { credentialCall, type CredentialTool } from './credential.js';

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

export async function runCredentialFast(tool: CredentialTool, args: string[]): Promise<void> {
  const call = credentialCall(tool, args);
  const input = call.readsStdin ? await readStandardInput() : Buffer.alloc(0);
  const stdout = heldOutput();
  const stderr = heldOutput();
  const log = createLogger(directOutput(2), process.env.AMPLIFY_DEBUG === '1');
  await answerCall(createContext({ stdout, stderr, log }), call, input);
  if (missed === undefined) {
    stdout.flushTo(1);
    stderr.flushTo(2);
    return;
  }
  log.debug(`${missed} needed: the full build answers`);
  const { runCredential } = await import('./credential.js');
  await runCredential(tool, args, input);
}
