// The helpers' fast path: parse argv, read stdin, answer; no command tree, no OAuth client unless a refresh is due.
import { createContext } from '../context.js';
import { mask } from '../log.js';
import { readInput, writeAnswer, type HelperAnswer } from './io.js';

type Handler = (ctx: ReturnType<typeof createContext>, action: string | undefined, input: Buffer) => Promise<HelperAnswer>;

/** Runs one helper call; an unexpected failure is one stderr line (docker: its stdout error line), never a trace. */
export async function runHelper(handler: Handler, action: string | undefined, options: { readsStdin: boolean; errorsOnStdout: boolean }): Promise<void> {
  const ctx = createContext();
  try {
    const input = options.readsStdin ? await readInput(ctx.stdin) : Buffer.alloc(0);
    const answer = await handler(ctx, action, input);
    writeAnswer(ctx, answer);
    process.exitCode = answer.exitCode;
  } catch (error) {
    const line = `amplify: ${(error as Error)?.message ?? String(error)}`;
    writeAnswer(ctx, options.errorsOnStdout ? { stdout: `${mask(line)}\n`, exitCode: 1 } : { stdout: '', stderr: line, exitCode: 1 });
    if (ctx.env.AMPLIFY_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${mask(error.stack)}\n`);
    process.exitCode = 1;
  }
}
