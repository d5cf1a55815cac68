// The helpers' fast path: parse argv, read stdin, answer; no command tree, no OAuth client unless a refresh is due.
import type { CredentialTool } from '../bin/entries.js';
import { createContext, requestTimeout, type Context } from '../context.js';
import { renderError } from '../errors.js';
import { toolNamed } from '../tools/index.js';
import type { CredentialSpec, HelperCall } from '../tools/types.js';
import { directOutput, readStandardInput, writeAnswer } from './io.js';

export type { CredentialTool, HelperCall };

/** What answers `tool args...`: args are what follows the tool's name on the command line (the tool's entry says how). */
export function credentialCall(tool: CredentialTool, args: string[]): HelperCall {
  return (toolNamed(tool)!.credential as CredentialSpec).call(args);
}

/**
 * Answers one call through ctx's streams and gives its exit code; an unexpected failure is one line (docker: on
 * stdout), never a trace.
 */
export async function answerCall(ctx: Context, call: HelperCall, input: Buffer): Promise<number> {
  // A tool waits on a helper: each request gets 10 s, not 30 (SPEC "Network").
  ctx.requestTimeoutMs = requestTimeout(ctx.env, 10);
  try {
    const answer = await call.handler(ctx, call.action, input);
    writeAnswer(ctx, answer);
    return answer.exitCode;
  } catch (error) {
    const { stdout, stderr, exitCode } = renderError(error, call.errorsOnStdout ? 'helper-stdout' : 'helper', ctx.env);
    if (stdout) ctx.stdout.write(stdout);
    if (stderr) ctx.stderr.write(stderr);
    return exitCode;
  }
}

/** Runs one helper call as the process's job; `input` is stdin when a caller has read it already. */
export async function runHelper(call: HelperCall, input?: Buffer): Promise<void> {
  // One answer, written once: straight to the fds, without building process.stdout and process.stderr.
  const ctx = createContext({ stdout: directOutput(1), stderr: directOutput(2) });
  process.exitCode = await answerCall(ctx, call, input ?? (call.readsStdin ? await readStandardInput() : Buffer.alloc(0)));
}
