// What commands print, without the command tree: JSON output and the one place that turns errors into one line.
// The fast tier (src/bin/credential-fast.ts) prints through these too, so that both tiers print the same bytes.
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { mask } from '../log.js';
import { jsonText } from './format.js';

export function printJson(ctx: Pick<Context, 'stdout'>, value: unknown): void {
  ctx.stdout.write(jsonText(value));
}

/** One line on stderr (JSON on stdout with --json), exit 1 (usage 2); a masked trace only with AMPLIFY_DEBUG=1. */
export function reportError(ctx: Pick<Context, 'stdout' | 'stderr' | 'env'>, error: unknown, json: boolean): number {
  const known = error instanceof AmplifyError;
  const code = known ? error.code : 'EUNEXPECTED';
  const message = mask(known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`);
  if (json) printJson(ctx, { error: { code, message } });
  else ctx.stderr.write(`amplify: ${message}\n`);
  if (ctx.env.AMPLIFY_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${mask(error.stack)}\n`);
  return known ? error.exitCode : 1;
}
