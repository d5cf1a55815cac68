// Cross-process locks with fencing: a `<name>.lock` directory (mkdir is atomic on every file system, NFS included)
// holding an owner entry that names the holder's token. Loaded on first lock only: a cached read takes no lock.
//
// Why not proper-lockfile (used before): its stale test reads Date.now(), not the injected clock; a lock whose
// mtime lies in the future is never stale for it (a clock stepped back hangs every waiter for as long); and its
// onCompromised callback fires from a timer, after a resumed holder may already have written. Fencing here is an
// owner token, the well-known design for a lease that can be taken over (as in Kleppmann's "fencing tokens" and
// the owner files of git's and Emacs's lock files): whoever takes a lock over writes a new token, and a holder
// checks that the token is still its own right before each write (assertHeld), so a holder that was paused
// (SIGSTOP, a laptop lid, a debugger) past the stale time and lost the lock finds out before it writes and starts
// again instead of writing its old view over the newer one. The check and the rename that follows are two
// syscalls, not one: a holder stopped exactly between them still writes once; nothing short of a kernel lease
// closes that window, and it is microseconds wide where the stale time is seconds.
import { hostname } from 'node:os';
import { access, mkdir, readdir, rm, rmdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { AmplifyError, errnoCode } from '../errors.js';
import { StaleWatch } from './files.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up (ELOCK). */
  waitMs: number;
  /** A holder that has not touched its lock for this long (by the waiter's own watch) is taken over. */
  staleMs: number;
  now: () => number;
  /**
   * Never take over the lock of a holder that still runs on this host (a paused one): a refresh lock, whose holder
   * may hold a refresh token the issuer has already rotated. Waiters wait for it until their deadline instead.
   */
  respectLiveHolder?: boolean;
  /** What the lock guards, for messages ("the state of ~/.config/amplify"). */
  what: string;
}

export interface LockOwner {
  token: string;
  pid: number;
  host: string;
}

export interface HeldLock {
  readonly path: string;
  /** Throws LockLost when another process took the lock over (we were paused past the stale time). */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

/** The lock was taken over while we held it: start again from a fresh read. */
export class LockLost extends Error {
  constructor(path: string) {
    super(`the lock ${path} was taken over by another amplify process while this one was paused`);
    this.name = 'LockLost';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The owner is an empty directory inside the lock, its name the owner: created whole by one mkdir, so that a holder
// killed at any moment leaves nothing half-written (a file would be empty between its open and its write).
const OWNER_SUFFIX = '.owner';
const hostTag = (host: string): string => process.getBuiltinModule('node:crypto').createHash('sha256').update(host).digest('hex').slice(0, 12);
const ownerName = (owner: LockOwner): string => `${owner.pid}-${hostTag(owner.host)}-${owner.token}${OWNER_SUFFIX}`;

export async function readOwner(path: string): Promise<LockOwner | undefined> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return undefined;
  }
  const match = names.map((name) => /^(\d+)-([0-9a-f]{12})-([0-9a-f]+)\.owner$/.exec(name)).find(Boolean);
  if (!match) return undefined;
  // The host is kept as a digest: ours or not is all that is ever asked.
  return { pid: Number(match[1]), host: match[2] === hostTag(hostname()) ? hostname() : match[2]!, token: match[3]! };
}

/** Whether pid runs on this host (EPERM: it runs, as another user). */
function alive(owner: LockOwner | undefined): boolean {
  if (!owner || owner.host !== hostname() || !Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * How long a live holder's lock is respected without a heartbeat: past this, its pid is taken to be another process
 * that reused the number of a dead holder (or a holder stopped for good), and the lock is taken over after all.
 */
const LIVE_HOLDER_MAX_MS = 10 * 60_000;

async function breakLock(path: string, token: string | undefined): Promise<void> {
  // Only the lock we judged stale: one that a faster waiter took over meanwhile carries another token.
  if ((await readOwner(path))?.token !== token) return;
  await rm(path, { recursive: true, force: true });
}

/** Takes the lock at `path` (a directory), waiting up to waitMs; takes over a stale one. */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const crypto = process.getBuiltinModule('node:crypto');
  const me: LockOwner = { token: crypto.randomBytes(12).toString('hex'), pid: process.pid, host: hostname() };
  const deadline = options.now() + options.waitMs;
  const watch = new StaleWatch(options);
  let pause = 5;
  for (;;) {
    try {
      await mkdir(path, { mode: 0o700 });
      try {
        await mkdir(join(path, ownerName(me)), { mode: 0o700 });
      } catch (error) {
        await rm(path, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
      break;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw new AmplifyError('ELOCK', `cannot lock ${path}: ${(error as Error).message}`, { cause: error });
    }
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      continue; // released between our mkdir and stat: try again at once
    }
    const owner = await readOwner(path);
    // A lock without an owner file is being created (mkdir, then the owner): only the watch can call it stale.
    if (watch.isStale(mtimeMs, owner?.token) && !(options.respectLiveHolder && alive(owner) && options.now() - mtimeMs < LIVE_HOLDER_MAX_MS)) {
      await breakLock(path, owner?.token);
      continue;
    }
    if (options.now() > deadline) {
      const who = owner ? `amplify process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}` : 'another amplify process';
      const paused = options.respectLiveHolder && alive(owner) && watch.isStale(mtimeMs, owner?.token) ? ` and does not answer (stopped? \`kill -CONT ${owner!.pid}\`, or end it)` : '';
      throw new AmplifyError('ELOCK', `gave up after ${Math.round(options.waitMs / 1000)} s waiting for ${who}, which holds the lock on ${options.what}${paused}; nothing stored changed.`);
    }
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 1.5, 100);
  }

  // The holder's heartbeat: the lock's mtime, renewed well inside the stale time (a paused holder stops renewing).
  const beat = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => undefined), Math.max(50, Math.floor(options.staleMs / 5)));
  beat.unref();
  let released = false;
  return {
    path,
    async assertHeld() {
      try {
        await access(join(path, ownerName(me)));
      } catch {
        throw new LockLost(path);
      }
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      // Ours only: a lock taken over from us belongs to its new holder.
      try {
        await rmdir(join(path, ownerName(me)));
      } catch {
        return;
      }
      await rmdir(path).catch(() => undefined);
    },
  };
}
