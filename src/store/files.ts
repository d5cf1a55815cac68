// Files on disk: atomic 0600 writes in a 0700 directory, cross-process locks, and reads that report corruption by name.
import { chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AmplifyError, errnoCode } from '../errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates the directory if needed and (re)applies 0700, even where a user loosened it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    await chmod(dir, DIR_MODE);
  } catch (error) {
    throw new AmplifyError('ESTORE', `cannot create or secure the directory ${dir}: ${(error as Error).message}. Check its permissions (amplify needs to own it).`, {
      cause: error,
    });
  }
}

/** Temp file + fsync + rename, mode 0600 on the new inode whatever the old file had. */
export async function writePrivateFile(file: string, data: string | Buffer): Promise<void> {
  await ensurePrivateDir(dirname(file));
  // Loaded on first write, as the lock below: a read (every cached helper call) needs neither.
  const { default: writeFileAtomic } = await import('write-file-atomic');
  try {
    await writeFileAtomic(file, data, { mode: FILE_MODE, fsync: true });
  } catch (error) {
    throw new AmplifyError('ESTORE', `cannot write ${file}: ${(error as Error).message}. Check the permissions and free space of ${dirname(file)}; the previous ${file} is unchanged.`, {
      cause: error,
    });
  }
}

/**
 * write-file-atomic writes `<file>.<number>` and renames it over `<file>`; a writer killed in between
 * leaves that temp file behind. Call only while holding the lock every writer of these files takes.
 */
export async function removeLeftoverTempFiles(dir: string, files: string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const leftover = names.filter((name) => files.some((file) => name.startsWith(`${file}.`) && /^\d+$/.test(name.slice(file.length + 1))));
  await Promise.all(leftover.map((name) => unlink(join(dir, name)).catch(() => undefined)));
}

/** Reads a file; undefined when it does not exist. Any other failure names the file. */
export async function readOptionalFile(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new AmplifyError('ESTORE', `cannot read ${file}: ${(error as Error).message}. Check its permissions; amplify left it unchanged.`, {
      cause: error,
    });
  }
}

/** Parses JSON from a file we own; a corrupt file is reported and never reset. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  const bytes = await readOptionalFile(file);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new AmplifyError(
      'ECONFIG',
      `${file} is not valid JSON (${(error as Error).message}); amplify left it unchanged: repair it, or move it away to start afresh.`,
      { cause: error },
    );
  }
}

// A holder killed with -9 stops refreshing the lock's mtime; after this long others break it.
export const LOCK_STALE_MS = 5_000;

/** Whether another process holds the lock `name` in dir now (a stale one, of a dead process, does not count). */
export async function lockHeld(dir: string, name: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(`${join(dir, name)}.lock`)).mtimeMs < LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Runs fn while holding a cross-process lock named `name` in dir. Waits (bounded) for other holders;
 * a stale lock from a dead process is broken.
 */
export async function withLock<T>(dir: string, name: string, fn: () => Promise<T>, waitMs = 30_000): Promise<T> {
  try {
    await ensurePrivateDir(dir);
  } catch (error) {
    throw new AmplifyError('ELOCK', (error as Error).message, { cause: error });
  }
  const { default: lockfile } = await import('proper-lockfile');
  const target = join(dir, name);
  const deadline = Date.now() + waitMs;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: LOCK_STALE_MS,
        update: LOCK_STALE_MS / 5,
        onCompromised: () => {
          // The lock was taken over (we were too slow to refresh it); the write itself stays atomic.
        },
      });
    } catch (error) {
      if (errnoCode(error) !== 'ELOCKED') throw new AmplifyError('ELOCK', `cannot lock ${target}.lock: ${(error as Error).message}`, { cause: error });
      if (Date.now() > deadline) {
        throw new AmplifyError('ELOCK', `timed out waiting for ${target}.lock held by another amplify process; if none is running, remove that directory.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
