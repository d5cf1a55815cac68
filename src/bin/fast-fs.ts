// What the helpers' fast tier (dist/credential-fast.cjs) gets for `node:fs/promises`: the reads, made with node:fs's
// synchronous calls, and writes that never happen. Loading node:fs/promises loads eight more of Node's internal modules
// (its FileHandle brings readline along), a tenth of a cached `get`; a call that reads two small files and exits has
// nothing to do while it waits, so waiting in the syscall costs nothing. tsup.config.ts swaps it in for that build
// only; every name the modules on the fast path import from node:fs/promises must be here (the build checks).
//
// The tier writes nothing before it hands a call over (its answer is held until it knows it answers): a call that
// would change a file (a mode tightened, a directory made, a file removed) is the full build's, from the start.
import { accessSync, constants as fsConstants, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fastTierMiss } from './fast-miss.js';

type Async<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<ReturnType<F>>;

/** `fn`, with its result or its exception handed over as a promise, as the node:fs/promises function would. */
function promised<F extends (...args: never[]) => unknown>(fn: F): Async<F> {
  return (...args) => {
    try {
      return Promise.resolve(fn(...args) as ReturnType<F>);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
}

/** A write: reported as a miss, so that the full build makes it (and says what it did). */
const write = (name: string) => (): Promise<never> => Promise.reject(fastTierMiss(`fs.${name}`));

export const access = promised(accessSync);
export const lstat = promised(lstatSync);
export const readdir = promised(readdirSync);
export const readFile = promised(readFileSync);
export const stat = promised(statSync);
export const chmod = write('chmod');
export const mkdir = write('mkdir');
export const unlink = write('unlink');
export const rm = write('rm');
export const constants = fsConstants;
