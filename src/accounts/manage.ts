// Listing, switching and logging out accounts.
import type { Context } from '../context.js';
import { AmplifyError, isAmplifyError } from '../errors.js';
import { readConfig } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { accountKey } from '../store/tokens.js';
import { accountNames, resolveAccount, resolveOrg, toView, type AccountView } from './model.js';
import { withAccountLock } from './tokens.js';

type ManageContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'>;

export async function listAccounts(ctx: Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>): Promise<AccountView[]> {
  const config = await readConfig(ctx);
  return accountNames(config).map((name) => toView(config.accounts[name]!, config));
}

export async function describeAccount(ctx: Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>, name?: string): Promise<AccountView> {
  const config = await readConfig(ctx);
  return toView(resolveAccount(config, name), config);
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
    delete config.accounts[name];
    delete secrets[accountKey(name)];
    if (config.auth.defaultAccount && !config.accounts[config.auth.defaultAccount]) {
      // Like gh: with one account left it becomes the default; with several, the user picks.
      const left = accountNames(config);
      config.auth.defaultAccount = left.length === 1 ? left[0]! : null;
    }
  });
  return { name, revoked };
}

export function noAccountsError(): AmplifyError {
  return new AmplifyError('ENOACCOUNT', 'no account is logged in; nothing to log out.');
}
