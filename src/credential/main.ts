// The helpers' fast path: parse argv, read stdin, answer; no command tree, no OAuth client unless a refresh is due.
import { createContext, type Context } from '../context.js';
import { mask } from '../log.js';
import { directOutput, readStandardInput, writeAnswer, type HelperAnswer, type HelperContext } from './io.js';

/** One helper request: which handler answers it, and how its tool talks. */
export interface HelperCall {
  handler: (ctx: HelperContext, action: string | undefined, input: Buffer) => Promise<HelperAnswer>;
  action: string | undefined;
  readsStdin: boolean;
  /** docker shows a helper's stdout as the error; git and kubectl show stderr. */
  errorsOnStdout: boolean;
}

/** Answers one call through ctx's streams; an unexpected failure is one line (docker: on stdout), never a trace. */
export async function answerCall(ctx: Context, call: HelperCall, input: Buffer): Promise<void> {
  try {
    const answer = await call.handler(ctx, call.action, input);
    writeAnswer(ctx, answer);
    process.exitCode = answer.exitCode;
  } catch (error) {
    const line = `amplify: ${(error as Error)?.message ?? String(error)}`;
    writeAnswer(ctx, call.errorsOnStdout ? { stdout: `${mask(line)}\n`, exitCode: 1 } : { stdout: '', stderr: line, exitCode: 1 });
    if (ctx.env.AMPLIFY_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${mask(error.stack)}\n`);
    process.exitCode = 1;
  }
}

/** Runs one helper call as the process's job; `input` is stdin when a caller has read it already. */
export async function runHelper(call: HelperCall, input?: Buffer): Promise<void> {
  // One answer, written once: straight to the fds, without building process.stdout and process.stderr.
  const ctx = createContext({ stdout: directOutput(1), stderr: directOutput(2) });
  await answerCall(ctx, call, input ?? (call.readsStdin ? await readStandardInput() : Buffer.alloc(0)));
}
