// The stored state as one unit: config.json plus the token store, read lock-free and changed only under the state lock.
import type { Context } from '../context.js';
import { readConfig, writeConfig, type ConfigFile } from './config.js';
import { withLock } from './files.js';
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
}

export async function readState(ctx: StateContext, options: StateOptions = {}): Promise<State> {
  const config = await readConfig(ctx);
  const choice = await chooseTokenStore(ctx, config.auth.tokenStore, options.probe ?? false);
  const secrets = await choice.store.read();
  return { config, secrets, store: choice.store, fallbackNotice: choice.fallbackNotice };
}

/**
 * Read-modify-write under the cross-process state lock: fn sees the latest state and mutates it in
 * place; whatever changed is written back atomically. Nothing is written when fn throws.
 */
export async function mutateState<T>(ctx: StateContext, fn: (state: State) => T | Promise<T>, options: StateOptions = {}): Promise<T> {
  return withLock(ctx.configDir, 'state', async () => {
    const state = await readState(ctx, options);
    const configBefore = JSON.stringify(state.config);
    const secretsBefore = JSON.stringify(state.secrets);
    const result = await fn(state);
    // Tokens first: an account in config.json without tokens reads as "needs login", never the reverse leak.
    if (JSON.stringify(state.secrets) !== secretsBefore) await state.store.write(state.secrets);
    if (JSON.stringify(state.config) !== configBefore) await writeConfig(ctx, state.config);
    return result;
  });
}
