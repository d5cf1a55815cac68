// What the tools' setups share: the user's home, PATH lookups, and reading and writing a tool's own files.
import { constants as fsConstants, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { isObject } from '../json.js';
import { exists, readOptionalFile } from '../store/files.js';

export const home = (ctx: Pick<Context, 'env'>): string => ctx.env.HOME || homedir();

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** One word for a POSIX shell, whatever it holds: single quotes, and each ' inside as '\''. */
export const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export { exists };

/** Where `command` is on PATH (an executable file), or undefined. */
export async function onPath(ctx: Pick<Context, 'env'>, command: string): Promise<string | undefined> {
  for (const dir of (ctx.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await exists(join(dir, command), fsConstants.X_OK))) return join(dir, command);
  }
  return undefined;
}

/**
 * Writes a tool's own file whole or not at all (src/store/write.ts: a nearly full disk leaves the old file and a
 * clear error, never a truncated ~/.docker/config.json), keeping the mode of an existing file and following a
 * symlinked dotfile to its target. A new file is 0600: these files hold credentials. The directory is left as it is.
 */
export async function writeToolFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { writeWhole } = await import('../store/write.js');
  await writeWhole(file, text, { mode: 0o600, keepMode: true, followLink: true });
}

/**
 * Writes a launcher a tool runs (a shell script, no token in it) whole or not at all, as an executable of `mode`, its
 * directory made with that mode where missing.
 */
export async function writeLauncher(file: string, script: string, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode });
  const { writeWhole } = await import('../store/write.js');
  await writeWhole(file, script, { mode });
}

export async function readToolJson(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readTextOptional(file);
  if (text.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AmplifyError('ECONFIG', `${file} is not valid JSON (${(error as Error).message}); amplify left it unchanged.`);
  }
  if (!isObject(data)) throw new AmplifyError('ECONFIG', `${file} is not a JSON object; amplify left it unchanged.`);
  return data;
}

/** A tool's file as text; empty when it does not exist yet. */
export async function readTextOptional(file: string): Promise<string> {
  return (await readOptionalFile(file))?.toString('utf8') ?? '';
}

/** The line ending a tool's file uses: CRLF where it has one, else LF. */
export const eolOf = (text: string): string => (text.includes('\r\n') ? '\r\n' : '\n');

export function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = eolOf(text);
  if (text === '') return { lines: [], eol };
  return { lines: text.replace(/\r?\n$/, '').split(/\r?\n/), eol };
}

export const joinLines = (lines: string[], eol: string): string => (lines.length ? `${lines.join(eol)}${eol}` : '');
