// The user .npmrc, as setup npm and setup pnpm edit it: one line at a time, every other line kept byte for byte.
import { join } from 'node:path';
import type { Context } from '../context.js';
import { escapeRegExp, home, joinLines, readTextOptional, splitLines, writeToolFile } from './files.js';

export const npmrcPath = (ctx: Pick<Context, 'env'>): string => ctx.env.NPM_CONFIG_USERCONFIG || ctx.env.npm_config_userconfig || join(home(ctx), '.npmrc');

/** A `<key>:<setting>=` line of an .npmrc. */
export function isNpmSettingLine(line: string, key: string, setting: string): boolean {
  return new RegExp(`^\\s*${escapeRegExp(key)}:${setting}\\s*=`).test(line);
}

/** The line setup npm wrote before auth exec set npm_config_ variables; pnpm drops a whole .npmrc whose variable is unset. */
export const placeholderLine = (key: string): string => `${key}:_authToken=\${NODE_AUTH_TOKEN}`;

/** Whether an .npmrc line says `line`, spaces around = aside. */
const isLine = (candidate: string, line: string): boolean => candidate.replace(/\s*=\s*/, '=').trim() === line;

/** Whether `lines` holds `line`, spaces around = aside. */
export const hasNpmrcLine = (lines: string[], line: string): boolean => lines.some((l) => isLine(l, line));

/** Takes `line` (spaces around = aside) out of the user .npmrc, every other line kept byte for byte. */
export async function removeNpmrcLine(ctx: Pick<Context, 'env'>, line: string): Promise<string[]> {
  const file = npmrcPath(ctx);
  const text = await readTextOptional(file);
  const { lines, eol } = splitLines(text);
  const kept = lines.filter((l) => !isLine(l, line));
  if (kept.length === lines.length) return [];
  await writeToolFile(file, joinLines(kept, eol));
  return [`${file}: removed ${line}`];
}
