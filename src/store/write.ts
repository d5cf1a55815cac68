// Whole-or-nothing file writes. Loaded on first write: a read (every cached helper call) needs none of it.
//
// Why not write-file-atomic (used before): it makes one write() call and ignores how many bytes went down, so on
// a nearly full disk a short write is fsynced and renamed over the old file, cut at 4096 bytes; it also follows a
// symbolic link and chmods its target. Here: a temp file opened O_CREAT|O_EXCL|O_NOFOLLOW with the final mode,
// every byte written (a short write loops; ENOSPC fails), fsync, rename, fsync of the directory. On any failure
// the temp file goes and the old file stays as it was.
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, rename, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { AmplifyError, errnoCode } from '../errors.js';

export interface WriteOptions {
  /** Mode of a new file (and of the replacement, unless keepMode finds an existing file). */
  mode: number;
  /** Keep the mode of the file being replaced (a tool's own file, such as ~/.docker/config.json). */
  keepMode?: boolean;
  /**
   * A symbolic link at `file` is written through to its target (a user's dotfile kept in a dotfiles repo); without
   * this, amplify's own state files are never written through a link (the caller refuses them on read).
   */
  followLink?: boolean;
  /** Runs right before the rename: the lock's fencing check (store/lock.ts). Throwing leaves the old file. */
  beforeRename?: () => Promise<void>;
}

/** `<file>.<digits>`: the shape removeLeftoverTempFiles (store/files.ts) recognises as a killed writer's temp file. */
function tempName(file: string): string {
  const n = process.getBuiltinModule('node:crypto').randomInt(1, 2 ** 47);
  return `${file}.${n}`;
}

async function freeSpace(dir: string): Promise<string> {
  try {
    const fs = await statfs(dir);
    const bytes = fs.bavail * fs.bsize;
    return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB free` : `${Math.floor(bytes / 1024)} KB free`;
  } catch {
    return 'free space unknown';
  }
}

/** Writes every byte of bytes from offset 0, however many write() calls that takes; one that writes nothing is a full disk. */
export async function writeAllBytes(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device (a write went down short)'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
}

/** Writes data to file whole, or leaves the old file and throws ESTORE naming the file and the free space. */
export async function writeWhole(file: string, data: string | Buffer, options: WriteOptions): Promise<void> {
  let target = file;
  let existing: Stats | undefined;
  try {
    existing = await lstat(file);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw await storeError(file, error, dirname(file));
  }
  if (existing?.isSymbolicLink()) {
    if (!options.followLink) {
      throw new AmplifyError('ESTORE', `${file} is a symbolic link; amplify does not write its files through links. Replace it with a regular file (or remove it) and try again.`);
    }
    target = await realpath(file).catch(() => file);
    existing = await lstat(target).catch(() => undefined);
  }
  const mode = options.keepMode && existing ? existing.mode & 0o7777 : options.mode;
  const dir = dirname(target);
  const temp = tempName(target);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let created = false;
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    created = true;
    try {
      await writeAllBytes(handle, bytes);
      // The umask narrows the mode given to open(); set it exactly.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.();
    await rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await unlink(temp).catch(() => undefined);
    if (error instanceof AmplifyError || (error as Error).name === 'LockLost') throw error;
    throw await storeError(file, error, dir);
  }
  // The rename is durable once the directory is: a crash now keeps the new file, not an empty name.
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is atomic regardless.
  }
}

async function storeError(file: string, error: unknown, dir: string): Promise<AmplifyError> {
  const code = errnoCode(error);
  const why = code === 'ENOSPC' || code === 'EDQUOT' ? `no space left on device (${await freeSpace(dir)} in ${dir})` : (error as Error).message;
  return new AmplifyError('ESTORE', `cannot write ${file}: ${why}; the previous ${basename(file)} is unchanged. Free some space or fix the permissions of ${dir}, then try again.`, {
    cause: error,
  });
}
