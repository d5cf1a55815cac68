// The helpers' fast path: parse argv, read stdin, answer; no command tree, no OAuth client unless a refresh is due.
import type { CredentialTool } from '../bin/entries.js';
import { createContext, requestTimeout, type Context } from '../context.js';
import { renderError } from '../errors.js';
import { dockerCredential } from './docker.js';
import { gitCredential } from './git.js';
import { directOutput, readStandardInput, writeAnswer, type HelperAnswer, type HelperContext } from './io.js';
import { kubectlCredential } from './kubectl.js';
import { npmCredential } from './npm.js';
import { terraformCredential } from './terraform.js';

/** One helper request: which handler answers it, and how its tool talks. */
export interface HelperCall {
  handler: (ctx: HelperContext, action: string | undefined, input: Buffer) => Promise<HelperAnswer>;
  action: string | undefined;
  readsStdin: boolean;
  /** docker shows a helper's stdout as the error; git, kubectl and terraform show stderr. */
  errorsOnStdout: boolean;
}

export type { CredentialTool };

/** What answers `tool args...`: args are what follows the tool's name on the command line. */
export function credentialCall(tool: CredentialTool, args: string[]): HelperCall {
  const action = args[0];
  if (tool === 'git') return { handler: gitCredential, action, readsStdin: action !== 'capability', errorsOnStdout: false };
  if (tool === 'docker') return { handler: dockerCredential, action, readsStdin: action === 'get' || action === 'store' || action === 'erase', errorsOnStdout: true };
  if (tool === 'npm') return { handler: (ctx) => npmCredential(ctx, args), action: undefined, readsStdin: false, errorsOnStdout: false };
  if (tool === 'terraform') return { handler: (ctx, _action, input) => terraformCredential(ctx, args, input), action: args.at(-2), readsStdin: args.at(-2) === 'store', errorsOnStdout: false };
  const at = args.indexOf('--account');
  const account = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--account='))?.slice('--account='.length);
  return { handler: (ctx) => kubectlCredential(ctx, account), action: undefined, readsStdin: false, errorsOnStdout: false };
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
