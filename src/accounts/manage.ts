// Listing, switching and logging out accounts.
import type { Context } from '../context.js';
import { isAmplifyError } from '../errors.js';
import { readConfig, type AccountRecord, type ConfigFile } from '../store/config.js';
import { exists } from '../store/files.js';
import { mutateState, readState } from '../store/state.js';
import { accountKey, chooseTokenStore } from '../store/tokens.js';
import { accountNames, loginCommand, resolveAccount, resolveOrg, toView, type AccountView } from './model.js';
import { withAccountLock } from './tokens.js';

type ManageContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'>;

type ViewContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>;

/**
 * Which accounts the token store in use holds tokens for, cheaply: the memory store is asked (it is this process's);
 * the file and keyring stores by whether their file exists, so that `ls` stays one file read. An account whose
 * tokens are not there (a memory-store login in another process, a deleted tokens.json) needs a new login.
 */
async function heldBy(ctx: ViewContext, config: ConfigFile): Promise<(name: string) => boolean> {
  const { store } = await chooseTokenStore(ctx, config.auth.tokenStore, false);
  if (store.location === null) {
    const secrets = await store.read();
    return (name) => secrets[accountKey(name)] !== undefined;
  }
  const present = await exists(store.location);
  return () => present;
}

function viewOf(record: AccountRecord, config: ConfigFile, held: (name: string) => boolean): AccountView {
  const view = toView(record, config);
  return held(record.name) ? view : { ...view, needsLogin: true, expires: { access: null, refresh: null } };
}

export async function listAccounts(ctx: ViewContext): Promise<AccountView[]> {
  const config = await readConfig(ctx);
  const held = await heldBy(ctx, config);
  return accountNames(config).map((name) => viewOf(config.accounts[name]!, config, held));
}

export async function describeAccount(ctx: ViewContext, name?: string): Promise<AccountView> {
  const config = await readConfig(ctx);
  return viewOf(resolveAccount(config, name), config, await heldBy(ctx, config));
}

/** Sets the default account and, optionally, its selected organization. */
export async function switchAccount(ctx: ManageContext, options: { account?: string; org?: string }): Promise<AccountView> {
  return mutateState(ctx, ({ config }) => {
    const record = resolveAccount(config, options.account);
    if (options.org !== undefined) record.org = resolveOrg(record, options.org);
    config.auth.defaultAccount = record.name;
    return toView(record, config);
  });
}

export interface LogoutResult {
  name: string;
  revoked: boolean;
}

/**
 * Revokes at the issuer (RFC 7009) where it can, then removes the accounts locally whatever the
 * issuer said: an unreachable issuer must not keep anyone logged in here. Each account is handled
 * under its refresh lock, so a refresh in flight cannot leave a fresh refresh token alive at the issuer;
 * the accounts are handled at the same time, each removal under the state lock.
 */
export async function logoutAccounts(ctx: ManageContext, names: string[]): Promise<LogoutResult[]> {
  const state = await readState(ctx);
  for (const name of names) resolveAccount(state.config, name);
  // In parallel: against a hung issuer, logging out of every account takes one request deadline, not one per token.
  return Promise.all(
    names.map((name) => {
      const logout = () => revokeAndRemove(ctx, name);
      // A lock that cannot be had must never block a logout: the removal matters more than the race.
      return withAccountLock(ctx, name, logout).catch((error: unknown) => (isAmplifyError(error, 'ELOCK') ? logout() : Promise.reject(error)));
    }),
  );
}

async function revokeAndRemove(ctx: ManageContext, name: string): Promise<LogoutResult> {
  const state = await readState(ctx);
  const record = state.config.accounts[name];
  const entry = state.secrets[accountKey(name)];
  let revoked = false;
  if (record && entry?.kind === 'account' && (entry.accessToken || entry.refreshToken)) {
    try {
      const { revokeTokens } = await import('../flows/refresh.js');
      revoked = await revokeTokens({ ctx, issuer: record.issuer, clientId: record.clientId, metadata: state.config.issuers[record.issuer] }, entry, record);
    } catch (error) {
      ctx.log.debug(`revocation for ${name} failed: ${(error as Error).message}`);
    }
  }
  await mutateState(ctx, ({ config, secrets }) => {
    const gone = config.accounts[name];
    delete config.accounts[name];
    delete secrets[accountKey(name)];
    // Bindings pinned to it stay (README, Decisions); they remember how to log it in again, for the helpers to say.
    if (gone) for (const binding of config.bindings) if (binding.account === name) binding.login = loginCommand(gone);
    if (config.auth.defaultAccount && !config.accounts[config.auth.defaultAccount]) {
      // Like gh: the next account (by name) becomes the default, and the logout says so (README, Decisions).
      config.auth.defaultAccount = accountNames(config)[0] ?? null;
    }
  });
  return { name, revoked };
}
