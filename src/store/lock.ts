// Cross-process locks with fencing: a `<name>.lock` directory (mkdir is atomic on every file system, NFS included)
// holding an `owner` file, the holder's token. Loaded on first lock only: a cached read takes no lock.
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
import { mkdir, open, readFile, rm, rmdir, stat, unlink, utimes } from 'node:fs/promises';
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

const OWNER = 'owner';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(path, OWNER), 'utf8')) as LockOwner;
    return typeof owner?.token === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
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

async function writeOwner(path: string, owner: LockOwner): Promise<void> {
  const handle = await open(join(path, OWNER), 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
}

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
        await writeOwner(path, me);
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
    if (watch.isStale(mtimeMs, owner?.token) && !(options.respectLiveHolder && alive(owner))) {
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
      if ((await readOwner(path))?.token !== me.token) throw new LockLost(path);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      // Ours only: a lock taken over from us belongs to its new holder.
      if ((await readOwner(path))?.token !== me.token) return;
      await unlink(join(path, OWNER)).catch(() => undefined);
      await rmdir(path).catch(() => undefined);
    },
  };
}
