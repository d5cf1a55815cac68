// Rotated tokens are never thrown away (SPEC "Tokens"): each account has a small journal file, reserved while there
// is space (at login, or before a refresh), that a refresh whose result cannot be stored (a full disk) overwrites in
// place with that result. Overwriting reserved bytes needs no new block, so it works where writing the store, a new
// file and a rename, does not. The next process that refreshes the account reads the journal first and stores it.
//
// The journal holds what the token store would: sealed with the store's key for the keyring store, 0600 like
// tokens.json for the file store. A blank journal (spaces) means "nothing pending". A crash in the middle of the
// in-place write leaves a journal that does not parse: it is reported and cleared, and the account's stored tokens
// (those of before the refresh) are what is left, so that only a full disk and a crash at once lose a rotation.
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError, errnoCode } from '../errors.js';
import { writePrivateFile } from '../store/files.js';
import { writeAllBytes } from '../store/write.js';
import type { AccountSecrets, TokenStore } from '../store/tokens.js';

/** Room for the tokens of one account, sealed: JWTs of a few KB each, base64 on top. */
export const JOURNAL_BYTES = 64 * 1024;

export interface JournalEntry {
  account: string;
  /** fingerprint() of the token set the refresh started from: a newer login makes the entry moot. */
  base: string;
  secrets: AccountSecrets;
}

export const journalFile = (ctx: Pick<Context, 'configDir'>, lockName: string): string => join(ctx.configDir, 'locks', `${lockName}.journal.json`);


/** What an empty journal holds: valid JSON (every state file parses, whatever moment a process was killed at). */
const blank = (): Buffer => {
  const bytes = Buffer.alloc(JOURNAL_BYTES, 0x20);
  bytes.write('{"v":1,"data":null}\n', 0, 'utf8');
  return bytes;
};

/**
 * Reserves the journal (real bytes, not a sparse file) where it does not exist yet: a whole file, renamed into place.
 * Call under the state lock, whose holders clear what a killed writer left (store/state.ts). ESTORE where there is
 * no room.
 */
export async function reserveJournal(file: string): Promise<void> {
  try {
    await access(file);
    return;
  } catch {
    // not there yet
  }
  try {
    await writePrivateFile(file, blank());
  } catch (error) {
    throw new AmplifyError('ESTORE', `cannot reserve ${file} (${JOURNAL_BYTES / 1024} KB, where renewed tokens are kept when the disk is full): ${(error as Error).message}`, { cause: error });
  }
}

/** Overwrites the reserved journal in place with entry (or blanks it). Throws where it cannot be kept whole. */
export async function writeJournal(file: string, store: TokenStore, entry: JournalEntry | null): Promise<void> {
  const payload = entry === null ? null : `${JSON.stringify({ v: 1, data: await store.sealText(JSON.stringify(entry)) })}\n`;
  if (payload !== null && Buffer.byteLength(payload) > JOURNAL_BYTES) throw new AmplifyError('ESTORE', `the renewed tokens do not fit in ${file} (${JOURNAL_BYTES / 1024} KB)`);
  const bytes = blank();
  if (payload !== null) bytes.fill(0x20).write(payload, 0, 'utf8');
  const handle = await open(file, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    if ((await handle.stat()).size < JOURNAL_BYTES) throw new AmplifyError('ESTORE', `${file} is smaller than its reservation`);
    await writeAllBytes(handle, bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** The pending entry, if any. A journal that does not parse is reported (and then cleared by the caller). */
export async function readJournal(file: string, store: TokenStore): Promise<JournalEntry | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new AmplifyError('ESTORE', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let text: string;
  try {
    text = (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
  if (text === '') return null;
  try {
    const outer = JSON.parse(text) as { v: number; data: string | null };
    if (outer?.data === null) return null;
    if (typeof outer?.data !== 'string') throw new Error('not a journal');
    const entry = JSON.parse(await store.openText(outer.data, file)) as JournalEntry;
    if (typeof entry?.account !== 'string' || typeof entry.base !== 'string' || entry.secrets?.kind !== 'account') throw new Error('not a journal entry');
    return entry;
  } catch (error) {
    if (error instanceof AmplifyError && error.code === 'EKEYRING') throw error;
    throw new AmplifyError('ESTORE', `${file} is damaged (${(error as Error).message}); the renewed tokens it held are lost`, { cause: error });
  }
}
