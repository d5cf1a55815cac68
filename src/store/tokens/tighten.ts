// A token file someone made readable by others goes back to 0600 as soon as amplify sees it, not only at the next write.
import { chmod, lstat } from 'node:fs/promises';
import type { Logger } from '../../log.js';
import { FILE_MODE } from '../files.js';

/** Before every read of a store's file: a helper that only reads would otherwise leave it open indefinitely. */
export async function tightenMode(file: string, log: Pick<Logger, 'warn'> | undefined): Promise<void> {
  let mode: number;
  try {
    // lstat: a link is refused by the read that follows (never followed, never chmodded through).
    const info = await lstat(file);
    if (info.isSymbolicLink()) return;
    mode = info.mode & 0o777;
  } catch {
    // Missing, or not even stat-able: the read that follows says which.
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(file, FILE_MODE);
    log?.warn(`amplify: ${file} was readable by others (mode 0${mode.toString(8)}); amplify set it back to 0600.`);
  } catch (error) {
    log?.warn(`amplify: ${file} is readable by others (mode 0${mode.toString(8)}) and amplify cannot change that (${(error as Error).message}); run chmod 600 on it.`);
  }
}
