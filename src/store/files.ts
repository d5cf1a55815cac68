// Files on disk: atomic 0600 writes in a 0700 directory, cross-process locks, and reads that report corruption by name.
import { access, constants, chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AmplifyError, errnoCode } from '../errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Whether `path` exists (and allows `mode`). */
export const exists = (path: string, mode = constants.F_OK): Promise<boolean> => access(path, mode).then(() => true, () => false);

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

/**
 * Refuses a config directory or config.json that others can write (as ssh refuses a key with loose modes): anyone
 * who can write there can rebind a host to their own account or point an account at their own issuer.
 */
export async function refuseWritableByOthers(path: string, what: 'directory' | 'file'): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return; // missing: nothing to trust yet; any other failure is reported by the read that follows
  }
  if ((mode & 0o022) === 0) return;
  const fix = what === 'directory' ? `chmod 700 ${path}` : `chmod 600 ${path}`;
  throw new AmplifyError(
    'ECONFIG',
    `the ${what} ${path} is writable by ${mode & 0o002 ? 'others' : 'its group'} (mode 0${(mode & 0o7777).toString(8)}), so anyone there could rebind a host; amplify will not use it until you run \`${fix}\` (and check its content).`,
  );
}

/**
 * Whole or not at all (src/store/write.ts): every byte written and synced before the rename, or the old file left
 * and ESTORE naming the file and the free space. Never through a symbolic link. beforeRename is the lock's fence.
 */
export async function writePrivateFile(file: string, data: string | Buffer, beforeRename?: () => Promise<void>): Promise<void> {
  await ensurePrivateDir(dirname(file));
  // Loaded on first write, as the lock below: a read (every cached helper call) needs neither.
  const { writeWhole } = await import('./write.js');
  await writeWhole(file, data, { mode: FILE_MODE, beforeRename });
}

/**
 * The writer (store/write.ts) writes `<file>.<number>` and renames it over `<file>`; a writer killed in between
 * leaves that temp file behind. Call only while holding the lock every writer of these files takes.
 */
export async function removeLeftoverTempFiles(dir: string, files: Array<string | RegExp>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const leftover = names.filter((name) =>
    files.some((file) => (typeof file === 'string' ? name.startsWith(`${file}.`) && /^\d+$/.test(name.slice(file.length + 1)) : file.test(name))),
  );
  await Promise.all(leftover.map((name) => unlink(join(dir, name)).catch(() => undefined)));
}

/**
 * Reads a file; undefined when it does not exist. Any other failure names the file. `noFollow`: amplify's own state
 * files are never read through a symbolic link (O_NOFOLLOW: a link is ELOOP, refused by name).
 */
export async function readOptionalFile(file: string, noFollow = false): Promise<Buffer | undefined> {
  try {
    return await readFile(file, noFollow ? { flag: constants.O_RDONLY | constants.O_NOFOLLOW } : undefined);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    if (noFollow && errnoCode(error) === 'ELOOP') {
      throw new AmplifyError('ESTORE', `${file} is a symbolic link; amplify does not follow links for its own files. Replace it with the file it points to (or move it away), then try again.`, {
        cause: error,
      });
    }
    throw new AmplifyError('ESTORE', `cannot read ${file}: ${(error as Error).message}. Check its permissions; amplify left it unchanged.`, {
      cause: error,
    });
  }
}

/** Parses JSON from a file we own; a corrupt file is reported and never reset. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  const bytes = await readOptionalFile(file, true);
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

// A holder killed with -9 (or paused) stops renewing the lock's mtime; after this long others take it over.
export const LOCK_STALE_MS = 5_000;
/** How long a lock wait lasts by default: longer than any one request to an issuer (30 s), so that it can land. */
export const LOCK_WAIT_MS = 35_000;

export interface LockClock {
  now?: () => number;
  lockStaleMs?: number;
}

/**
 * Staleness by what the waiter itself saw, so that no clock but its own matters: a lock is stale when its mtime is
 * older than the stale time by our clock, or when its mtime (and owner) did not change for the stale time while we
 * watched. The second covers a lock from the future (a clock stepped back, an NFS server ahead): without it such a
 * lock is never stale, and every waiter hangs for as long as the clocks differ.
 */
export class StaleWatch {
  private seen: { key: string; since: number } | undefined;

  constructor(private readonly options: { staleMs: number; now: () => number }) {}

  isStale(mtimeMs: number, owner?: string): boolean {
    const now = this.options.now();
    if (now - mtimeMs > this.options.staleMs) return true;
    const key = `${mtimeMs}:${owner ?? ''}`;
    if (this.seen?.key !== key) this.seen = { key, since: now };
    return now - this.seen.since > this.options.staleMs;
  }
}

/** Whether another process holds the lock `name` in dir now (a stale one, of a dead process, does not count). */
export async function lockHeld(dir: string, name: string, watch: StaleWatch): Promise<boolean> {
  try {
    return !watch.isStale((await stat(`${join(dir, name)}.lock`)).mtimeMs);
  } catch {
    return false;
  }
}

export interface LockHandle {
  /** Throws (LockLost) when another process took the lock over while we were paused: start again. */
  assertHeld(): Promise<void>;
}

export interface WithLockOptions extends LockClock {
  waitMs?: number;
  /** Never take over from a holder still running on this host (src/store/lock.ts). */
  respectLiveHolder?: boolean;
  what?: string;
}

/**
 * Runs fn while holding a cross-process lock named `name` in dir (src/store/lock.ts: an owner token for fencing).
 * Waits up to waitMs for other holders, then fails with ELOCK in one line; a stale lock is taken over.
 */
export async function withLock<T>(dir: string, name: string, fn: (lock: LockHandle) => Promise<T>, options: WithLockOptions = {}): Promise<T> {
  try {
    await ensurePrivateDir(dir);
  } catch (error) {
    throw new AmplifyError('ELOCK', (error as Error).message, { cause: error });
  }
  const { acquireLock } = await import('./lock.js');
  const lock = await acquireLock(`${join(dir, name)}.lock`, {
    waitMs: options.waitMs ?? LOCK_WAIT_MS,
    staleMs: options.lockStaleMs ?? LOCK_STALE_MS,
    now: options.now ?? Date.now,
    respectLiveHolder: options.respectLiveHolder,
    what: options.what ?? join(dir, name),
  });
  try {
    return await fn(lock);
  } finally {
    await lock.release().catch(() => undefined);
  }
}
