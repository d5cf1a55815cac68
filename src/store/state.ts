// The stored state as one unit: config.json plus the token store, read lock-free and changed only under the state lock.
import type { Context } from '../context.js';
import { readConfig, writeConfig, type ConfigFile } from './config.js';
import { removeLeftoverTempFiles, withLock } from './files.js';
import { chooseTokenStore, type SecretMap, type TokenStore } from './tokens.js';

export type StateContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>;

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
const STATE_LOCK = 'state';

/** The files the state lock guards: write-file-atomic leaves `<file>.<number>` behind when its writer is killed. */
const STATE_FILES = ['config.json', 'tokens.json', 'tokens.enc', 'access-cache.json'];

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
  return withLock(ctx.configDir, STATE_LOCK, () => readState(ctx, options));
}

/**
 * Read-modify-write under the cross-process state lock: fn sees the latest state and mutates it in
 * place; whatever changed is written back atomically. Nothing is written when fn throws.
 */
export async function mutateState<T>(ctx: StateContext, fn: (state: State) => T | Promise<T>, options: StateOptions = {}): Promise<T> {
  return withLock(ctx.configDir, STATE_LOCK, async () => {
    const state = await readState(ctx, options);
    const configBefore = JSON.stringify(state.config);
    const secretsBefore = JSON.stringify(state.secrets);
    const result = await fn(state);
    // Every writer of these files holds this lock, so any temp file beside them is a killed writer's.
    await removeLeftoverTempFiles(ctx.configDir, STATE_FILES);
    // Tokens first: an account in config.json without tokens reads as "needs login", never the reverse leak.
    if (JSON.stringify(state.secrets) !== secretsBefore) await state.store.write(state.secrets);
    if (JSON.stringify(state.config) !== configBefore) await writeConfig(ctx, state.config);
    return result;
  });
}
