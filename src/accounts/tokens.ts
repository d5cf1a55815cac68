// Access tokens for an account: the cached one while it is valid, else one refresh per account across processes.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError, isAmplifyError } from '../errors.js';
import { registerSecret } from '../log.js';
import type { AccountRecord } from '../store/config.js';
import { withLock } from '../store/files.js';
import { mutateState, readState, type State } from '../store/state.js';
import { accountKey, type AccountSecrets } from '../store/tokens.js';
import { needsLoginError, resolveAccount } from './model.js';

export const DEFAULT_MIN_VALIDITY = 60;

export interface AccessToken {
  account: AccountRecord;
  token: string;
  /** Epoch milliseconds, null when unknown. */
  expiresAt: number | null;
}

export type TokenContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'>;

function accountSecrets(state: State, name: string): AccountSecrets | undefined {
  const entry = state.secrets[accountKey(name)];
  return entry?.kind === 'account' ? entry : undefined;
}

function usable(secrets: AccountSecrets | undefined, now: number, minValidityMs: number): secrets is AccountSecrets & { accessToken: string } {
  if (!secrets?.accessToken) return false;
  return secrets.accessExpiresAt == null || secrets.accessExpiresAt - now > minValidityMs;
}

function threshold(state: State, minValidity: number | undefined): number {
  const configured = state.config.auth.refreshThreshold;
  return (minValidity ?? (typeof configured === 'number' ? configured : DEFAULT_MIN_VALIDITY)) * 1000;
}

const refreshLockName = (name: string): string => `refresh-${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;

export const toIso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

/**
 * The account's access token, refreshed first when it has less than minValidity seconds left.
 * Refresh is single-flight across processes: take the account's lock, read again, refresh only if still needed.
 */
export async function getAccessToken(ctx: TokenContext, options: { account?: string | null; minValidity?: number } = {}): Promise<AccessToken> {
  const state = await readState(ctx);
  const record = resolveAccount(state.config, options.account);
  if (record.needsLogin) throw needsLoginError(record);
  const minValidityMs = threshold(state, options.minValidity);
  const cached = accountSecrets(state, record.name);
  if (usable(cached, ctx.now(), minValidityMs)) {
    registerSecret(cached.accessToken);
    return { account: record, token: cached.accessToken, expiresAt: cached.accessExpiresAt ?? null };
  }
  if (!cached) throw needsLoginError(record, `no tokens for it in the ${state.store.kind} store`);
  return withLock(join(ctx.configDir, 'locks'), refreshLockName(record.name), () => refreshUnderLock(ctx, record.name, minValidityMs));
}

async function refreshUnderLock(ctx: TokenContext, name: string, minValidityMs: number): Promise<AccessToken> {
  // Another process may have refreshed while we waited for the lock: its result is ours too.
  const state = await readState(ctx);
  const record = resolveAccount(state.config, name);
  if (record.needsLogin) throw needsLoginError(record);
  const secrets = accountSecrets(state, name);
  if (!secrets) throw needsLoginError(record, `no tokens for it in the ${state.store.kind} store`);
  if (usable(secrets, ctx.now(), minValidityMs)) return { account: record, token: secrets.accessToken, expiresAt: secrets.accessExpiresAt ?? null };

  const { renewTokens } = await import('../flows/refresh.js');
  const { issuerConfiguration } = await import('../flows/issuer.js');
  let metadata = state.config.issuers[record.issuer];
  if (!metadata) {
    metadata = (await issuerConfiguration({ ctx, issuer: record.issuer, clientId: record.clientId })).serverMetadata() as unknown as Record<string, unknown>;
  }
  let tokens;
  try {
    tokens = await renewTokens({ ctx, issuer: record.issuer, clientId: record.clientId, metadata }, record, secrets, ctx.now());
  } catch (error) {
    if (isAmplifyError(error, 'ENEEDSLOGIN')) {
      await mutateState(ctx, (latest) => {
        const current = latest.config.accounts[name];
        if (current) current.needsLogin = true;
      });
      throw needsLoginError(record, error.message.replace(/\.$/, ''));
    }
    // A network failure changes nothing stored; a token that has not yet expired still works.
    if (secrets.accessToken && (secrets.accessExpiresAt == null || secrets.accessExpiresAt > ctx.now())) {
      ctx.log.warn(`amplify: could not refresh ${name} (${(error as Error).message}); using the cached token until it expires.`);
      return { account: record, token: secrets.accessToken, expiresAt: secrets.accessExpiresAt ?? null };
    }
    throw error instanceof AmplifyError ? error : new AmplifyError('EISSUER', `could not refresh ${name}: ${(error as Error).message}`, { cause: error });
  }
  return mutateState(ctx, (latest) => {
    const current = latest.config.accounts[name];
    if (!current) throw new AmplifyError('ENOACCOUNT', `${name} was logged out while its token was being refreshed.`);
    const previous = accountSecrets(latest, name) ?? secrets;
    latest.secrets[accountKey(name)] = {
      ...previous,
      accessToken: tokens.accessToken,
      accessExpiresAt: tokens.accessExpiresAt,
      refreshToken: tokens.refreshToken ?? previous.refreshToken,
      refreshExpiresAt: tokens.refreshToken ? tokens.refreshExpiresAt : previous.refreshExpiresAt,
      idToken: tokens.idToken ?? previous.idToken,
    };
    current.expires = { access: toIso(tokens.accessExpiresAt), refresh: toIso(tokens.refreshToken ? tokens.refreshExpiresAt : previous.refreshExpiresAt) };
    current.needsLogin = false;
    latest.config.issuers[current.issuer] ??= metadata!;
    return { account: current, token: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
  });
}

/** Forgets the cached access token when it is the one given (git/docker `erase`); never logs anyone out. */
export async function dropCachedAccessToken(ctx: TokenContext, name: string, token?: string): Promise<boolean> {
  return mutateState(ctx, (state) => {
    const secrets = accountSecrets(state, name);
    const record = state.config.accounts[name];
    if (!secrets?.accessToken || (token !== undefined && secrets.accessToken !== token)) return false;
    delete secrets.accessToken;
    secrets.accessExpiresAt = null;
    if (record) record.expires.access = null;
    return true;
  });
}
