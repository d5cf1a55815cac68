// How every executable in helpers/ starts (dist/fast-start.cjs): the table (src/bin/entries.ts) says which tier
// answers the command line; the fast tier, dist/credential-fast.cjs, and when a helper call needs more than a read
// (a refresh, a store, an erase) the helpers' full tier, dist/credential-full.cjs, are compiled from a code cache
// when there is a good one; anything else is the ES module CLI, dist/amplify.js.
//
// Compiling the fast tier's 70 kB costs a cached `get` about 2.5 ms, an eighth of starting Node; the full tier
// (the OAuth client, the lock and the writer: 230 kB) costs a refresh more. Node 22.1 and later keep such a cache
// themselves (module.enableCompileCache), for the ES module CLI as well: there the tiers are plain require()s. On
// older Node this does the same with vm.Script's cachedData: after a call has been answered, the code V8 compiled
// for it is written to the user's cache directory, and the next call starts from it. The cache is only ever an optimisation, so anything wrong with it (missing, unreadable, not the user's own,
// written for another build, Node or V8 flags, damaged) means compiling from source, and rewriting it, and never
// an error. V8 does not checksum a code cache (a damaged one crashes the process), so the file holds the cache
// twice and a copy that differs from the other is not used.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type * as FullTier from './credential.js';
import type * as FastTier from './credential-fast.js';
import type { FullBuild } from './credential-fast.js';
import { debugOn } from '../debug.js';
import { userDir } from '../user-dirs.js';
import { version } from '../version.js';
import { route, type Executable, type FastEntry } from './entries.js';
/** The tiers, by their file's name in dist/. */
type TierName = 'credential-fast' | 'credential-full';

const MAGIC = 'amplify-code-cache-1';
/** Far above any real cache (the tiers' are 60 to 300 kB): a larger file is not read at all. */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/** Where code caches live: the platform's per-user cache directory (XDG's on Linux). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  return userDir('cache', env, platform, env.HOME || (platform === 'win32' ? env.USERPROFILE : undefined));
}

/** A short, stable digest of a short string (FNV-1a): what the V8 flags in force are, for the file name. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

const BUILD_LINE = '// amplify-build ';

/**
 * The cache file for this tier and entry (`prefix`), this build of the tier and this Node: the build writes the
 * tier's content hash on its first line; V8 takes a cache only from its own version and flags (NODE_OPTIONS and
 * execArgv may change those). Each entry keeps its own, as a cache holds the code of the functions its writer ran.
 */
function cacheFile(dir: string, prefix: string, source: string): string | undefined {
  if (!source.startsWith(BUILD_LINE)) return undefined;
  const build = source.slice(BUILD_LINE.length, BUILD_LINE.length + 16);
  const options = process.execArgv.length > 0 || process.env.NODE_OPTIONS ? digest(`${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`) : 'plain';
  return join(dir, `${prefix}${build}-${process.versions.v8}-${process.arch}-${options}.bin`);
}

/** The cache in `file` when it is the user's own, not writable by others, and both its copies agree. */
function readCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES) return undefined;
    // Windows reports no owner or mode bits worth the name; %LOCALAPPDATA% is the user's own by its ACL.
    if (process.platform !== 'win32' && ((stat.mode & 0o022) !== 0 || stat.uid !== process.getuid?.())) return undefined;
    const data = Buffer.allocUnsafe(stat.size);
    if (readSync(fd, data, 0, data.length, 0) !== data.length) return undefined;
    const header = Buffer.from(`${MAGIC}\n`);
    if (!data.subarray(0, header.length).equals(header)) return undefined;
    const body = data.subarray(header.length);
    const half = body.length / 2;
    if (half === 0 || !Number.isInteger(half) || !body.subarray(0, half).equals(body.subarray(half))) return undefined;
    return body.subarray(0, half);
  } finally {
    closeSync(fd);
  }
}

/** Replaces this cache with a file written aside and renamed into place, and drops the stale ones (below). */
function writeCache(dir: string, prefix: string, file: string, data: Buffer): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}\n`), data, data]), { mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // It was never written.
    }
    throw error;
  }
  // Caches of other builds of this tier or other versions of Node, and what a writer killed before its rename left
  // behind. Those for other V8 flags of this build and Node stay: a user who runs with and without NODE_OPTIONS
  // keeps both instead of each call replacing the other's.
  const own = file.slice(dir.length + 1);
  const sameBuildAndNode = own.slice(0, own.lastIndexOf('-') + 1);
  for (const name of readdirSync(dir)) {
    const stale = name.endsWith('.tmp') || (name.endsWith('.bin') && !name.startsWith(sameBuildAndNode));
    if (name.startsWith(prefix) && stale && name !== own) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // Another call removed it first.
      }
    }
  }
}

// Straight to fd 2, as the tier writes (src/credential/io.ts): process.stderr would build a stream for it.
const debug = (message: string): void => {
  if (!debugOn(process.env)) return;
  try {
    writeSync(2, `amplify: debug: code cache: ${message}\n`);
  } catch {
    // No stderr to trace to.
  }
};

interface Loaded<T> {
  tier: T;
  /** Stores the code V8 compiled for this call, when there was no good cache to start from. */
  save(): void;
}

/** What Node's own module API offers: enableCompileCache from 22.1 on. */
interface ModuleApi {
  enableCompileCache?: (directory?: string) => unknown;
}

/** Who keeps the compiled code: Node itself where it can (22.1 and later), else this file's V8 code cache. */
export function compileCacheKeeper(api: ModuleApi = process.getBuiltinModule('node:module') as ModuleApi): 'node' | 'v8-cached-data' {
  return typeof api.enableCompileCache === 'function' ? 'node' : 'v8-cached-data';
}

let nodeCacheEnabled = false;
/** Turns on Node's compile cache (where it has one) in the per-user cache directory; true when it is on. */
function enableNodeCompileCache(api: ModuleApi = process.getBuiltinModule('node:module') as ModuleApi): boolean {
  if (compileCacheKeeper(api) !== 'node') return false;
  if (!nodeCacheEnabled) {
    const dir = codeCacheDir();
    try {
      api.enableCompileCache!(dir && join(dir, 'node'));
    } catch (error) {
      debug(`Node's compile cache not enabled (${(error as Error).message})`);
    }
    nodeCacheEnabled = true;
  }
  return true;
}

/** Runs dist/<name>.cjs as a CommonJS module, compiled from the cache that `entry`'s calls keep for it. */
function loadTier<T>(name: TierName, entry: FastEntry): Loaded<T> {
  const path = join(__dirname, `${name}.cjs`);
  // Node keeps (and checks) its own cache: the tier is an ordinary module then.
  if (enableNodeCompileCache()) return { tier: require(path) as T, save: () => undefined };
  const source = readFileSync(path, 'utf8');
  const dir = codeCacheDir();
  const prefix = `${name}-${entry}-`;
  const file = dir && cacheFile(dir, prefix, source);
  const cached = file ? readCache(file) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: path,
    ...(cached ? { cachedData: cached } : {}),
  });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, path, __dirname);
  const fresh = !cached || script.cachedDataRejected === true;
  if (cached) debug(script.cachedDataRejected ? `${file} rejected by V8` : `${file} used`);
  const save = (): void => {
    if (!fresh || !dir || !file) return;
    try {
      writeCache(dir, prefix, file, script.createCachedData());
      debug(`${file} written`);
    } catch (error) {
      debug(`${file} not written (${(error as Error).message})`);
    }
  };
  return { tier: module.exports, save };
}

/** The ES module CLI (the build keeps this import as it is): it runs on import, from process.argv. */
function runCli(): Promise<unknown> {
  enableNodeCompileCache();
  return import('./amplify.js');
}

/** Answers `executable argv...` on the tier the table names, then keeps the compiled code for the next call. */
export async function start(executable: Executable, argv: string[]): Promise<void> {
  const call = route(executable, argv);
  if (!call) {
    await runCli();
    return;
  }
  // What clipanion's VersionCommand prints; the build wrote the version in, so no tier is needed for it.
  if (call.entry === 'version') {
    try {
      writeSync(1, `${version}\n`);
    } catch (error) {
      // A full non-blocking pipe: the stream waits for it. No reader (EPIPE): nobody to answer.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') process.stdout.write(`${version}\n`);
    }
    return;
  }
  const fast = loadTier<typeof FastTier>('credential-fast', call.entry);
  let full: Loaded<typeof FullTier> | undefined;
  const handOver: FullBuild = {
    credential: () => Promise.resolve((full ??= loadTier<typeof FullTier>('credential-full', call.entry)).tier),
    cli: runCli,
  };
  await fast.tier.runFastCall(call, handOver);
  fast.save();
  full?.save();
}
