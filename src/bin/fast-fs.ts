// What the helpers' fast tier (dist/credential-fast.cjs) gets for `node:fs/promises`: the same calls, made with
// node:fs's synchronous ones (named imports: a namespace import would copy all of node:fs). Loading node:fs/promises
// loads eight more of Node's internal modules (its FileHandle brings readline along), a tenth of a cached `get`; a
// call that reads two small files and exits has nothing to do while it waits, so waiting in the syscall costs
// nothing. tsup.config.ts swaps it in for that build only; every name the modules on the fast path import from
// node:fs/promises must be here (the build checks).
import { accessSync, chmodSync, constants as fsConstants, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';

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

export const access = promised(accessSync);
export const chmod = promised(chmodSync);
export const lstat = promised(lstatSync);
export const mkdir = promised(mkdirSync);
export const readdir = promised(readdirSync);
export const readFile = promised(readFileSync);
export const stat = promised(statSync);
export const unlink = promised(unlinkSync);
export const constants = fsConstants;
