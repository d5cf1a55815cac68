// What commands print, without the command tree: JSON output, and errors written as the one renderer (src/errors.ts
// renderError) says. The fast tier (src/bin/credential-fast.ts) prints through these too, so that both tiers print the same bytes.
import type { Context } from '../context.js';
import { renderError } from '../errors.js';
import { jsonText } from './format.js';

export function printJson(ctx: Pick<Context, 'stdout'>, value: unknown): void {
  ctx.stdout.write(jsonText(value));
}

/** One line on stderr (JSON on stdout with --json), exit 1 (usage 2); a masked trace only with AMPLIFY_DEBUG=1. */
export function reportError(ctx: Pick<Context, 'stdout' | 'stderr' | 'env'>, error: unknown, json: boolean): number {
  const { stdout, stderr, exitCode } = renderError(error, json ? 'command-json' : 'command', ctx.env);
  if (stdout) ctx.stdout.write(stdout);
  if (stderr) ctx.stderr.write(stderr);
  return exitCode;
}
