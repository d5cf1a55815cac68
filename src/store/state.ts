// The stored state as one unit: config.json plus the token store, read lock-free and changed only under the state lock.
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { readConfig, writeConfig, type ConfigFile } from './config.js';
import { removeLeftoverTempFiles, withLock, type WithLockOptions } from './files.js';
import { chooseTokenStore, TOKEN_STORE_FILES, type SecretMap, type TokenStore } from './tokens.js';

export type StateContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'> & Partial<Pick<Context, 'now' | 'lockStaleMs'>>;

export interface State {
  config: ConfigFile;
  secrets: SecretMap;
  store: TokenStore;
  /** Set when tokens fell back from the keyring to a file: announce it at login. */
  fallbackNotice?: string;
}

export interface StateOptions {
  /** Probe the keyring (and create its data key) when no store exists yet: logins do, lookups do not. */
  probe?: boolean;
  /** config.json as the caller has just read it (a helper, to find the host's binding): it is not read twice. */
  config?: ConfigFile;
  /** A lock-free token lookup: the store may answer with the accounts' access tokens alone (TokenStore.readAccess). */
  accessOnly?: boolean;
}

/** The lock every read-modify-write of config.json and the token store takes. */
export const STATE_LOCK = 'state';

/** The state lock's clock and stale time come from the context, so that tests move a fake clock instead of sleeping. */
export const lockOptions = (ctx: Partial<Pick<Context, 'now' | 'lockStaleMs'>>, what: string): WithLockOptions => ({ now: ctx.now, lockStaleMs: ctx.lockStaleMs, what });

/** The files the state lock guards (config.json and every store's, from the stores table): the writer (store/write.ts) leaves `<file>.<number>` behind when its writer is killed. */
const STATE_FILES = ['config.json', ...TOKEN_STORE_FILES];

/**
 * Lock-free: each file is replaced atomically, so this sees whole files. config.json and the tokens
 * are two files, though: a writer may land between the two reads. Use readStateLocked to decide.
 */
export async function readState(ctx: StateContext, options: StateOptions = {}): Promise<State> {
  const config = options.config ?? (await readConfig(ctx));
  const choice = await chooseTokenStore(ctx, config.auth.tokenStore, options.probe ?? false);
  const secrets = await (options.accessOnly && choice.store.readAccess ? choice.store.readAccess() : choice.store.read());
  return { config, secrets, store: choice.store, fallbackNotice: choice.fallbackNotice };
}

/** config.json and the tokens of one moment: read under the state lock, held only for the read. */
export async function readStateLocked(ctx: StateContext, options: StateOptions = {}): Promise<State> {
  return withLock(ctx.configDir, STATE_LOCK, () => readState(ctx, options), lockOptions(ctx, `the state in ${ctx.configDir}`));
}

/**
 * The refresh journals are created under this lock too; a refresh's outcome (best effort) is written under the
 * account's lock, so a concurrent refresh may lose one to this clean-up: its waiters then simply refresh themselves.
 */
const LOCKS_DIR_TEMP_FILES = [/^refresh-[0-9a-f]+\.(journal|outcome)\.json\.\d+$/];

/** How often a holder that lost the state lock (paused past the stale time) starts again before giving up. */
const RESTARTS = 3;

/**
 * Read-modify-write under the cross-process state lock: fn sees the latest state and mutates it in place; whatever
 * changed is written back atomically. Nothing is written when fn throws. A holder whose lock was taken over while it
 * was paused finds out before each write (the lock's fence, store/lock.ts) and runs again from a fresh read, so fn
 * must only act on the state it is given.
 */
export async function mutateState<T>(ctx: StateContext, fn: (state: State) => T | Promise<T>, options: StateOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withLock(
        ctx.configDir,
        STATE_LOCK,
        async (lock) => {
          const state = await readState(ctx, options);
          const configBefore = JSON.stringify(state.config);
          const secretsBefore = JSON.stringify(state.secrets);
          const result = await fn(state);
          const fence = () => lock.assertHeld();
          await fence();
          // Every writer of these files holds this lock, so any temp file beside them is a killed writer's.
          await removeLeftoverTempFiles(ctx.configDir, STATE_FILES);
          await removeLeftoverTempFiles(join(ctx.configDir, 'locks'), LOCKS_DIR_TEMP_FILES);
          // Tokens first: an account in config.json without tokens reads as "needs login", never the reverse leak.
          if (JSON.stringify(state.secrets) !== secretsBefore) await state.store.write(state.secrets, fence);
          if (JSON.stringify(state.config) !== configBefore) await writeConfig(ctx, state.config, fence);
          return result;
        },
        lockOptions(ctx, `the state in ${ctx.configDir}`),
      );
    } catch (error) {
      if ((error as Error)?.name !== 'LockLost') throw error;
      ctx.log.debug(`${(error as Error).message}; reading the state again (attempt ${attempt + 1})`);
      if (attempt >= RESTARTS) throw new AmplifyError('ELOCK', `${(error as Error).message}, ${RESTARTS} times in a row; nothing was written: try again.`);
      // A fresh read: the config passed in is of before the pause.
      options = { ...options, config: undefined };
    }
  }
}
