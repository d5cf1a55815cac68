// Access tokens for an account: the cached one while it is valid, else one refresh per account across processes.
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError, isAmplifyError } from '../errors.js';
import type { TokenSet } from '../flows/tokens.js';
import { registerSecret } from '../log.js';
import type { AccountRecord, ConfigFile } from '../store/config.js';
import { lockHeld, withLock } from '../store/files.js';
import { mutateState, readState, readStateLocked, type State } from '../store/state.js';
import { accountKey, type AccountSecrets } from '../store/tokens.js';
import { loginCommand, needsLoginError, resolveAccount } from './model.js';

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

type WithToken = AccountSecrets & { accessToken: string };

/** Has more than minValidityMs left (a token without a stated expiry always has). */
function usable(secrets: AccountSecrets | undefined, now: number, minValidityMs: number): secrets is WithToken {
  if (!secrets?.accessToken) return false;
  return secrets.accessExpiresAt == null || secrets.accessExpiresAt - now > minValidityMs;
}

/** Not yet expired, however little is left. */
const unexpired = (secrets: AccountSecrets | undefined, now: number): secrets is WithToken => usable(secrets, now, 0);

/** The refresh threshold in ms: --min-validity, else config auth.refreshThreshold (validated by readConfig), else 60 s. */
function threshold(state: State, minValidity: number | undefined): number {
  return (minValidity ?? state.config.auth.refreshThreshold ?? DEFAULT_MIN_VALIDITY) * 1000;
}

/**
 * Whether `latest` is still the token set we started from. A new login (or a logout and login) since
 * replaces it, and a late result from the old one must then neither overwrite nor condemn it. A
 * dropped access token (git/docker `erase`) leaves the set ours: it only asks for a refresh.
 */
function sameTokenSet(latest: AccountSecrets, ours: AccountSecrets): boolean {
  return (
    latest.refreshToken === ours.refreshToken &&
    (latest.accessToken === undefined || latest.accessToken === ours.accessToken) &&
    latest.clientSecret === ours.clientSecret &&
    latest.privateKey === ours.privateKey
  );
}

// node:crypto is taken only here, on the way to a refresh: loading it would cost every cached call ~2 ms.
const refreshLockName = (name: string): string => `refresh-${process.getBuiltinModule('node:crypto').createHash('sha256').update(name).digest('hex').slice(0, 24)}`;

/**
 * Runs fn holding the account's refresh lock, so that no refresh of it is in flight meanwhile.
 * Take it outside the state lock (mutateState), never inside: that is the lock order.
 */
export function withAccountLock<T>(ctx: Pick<Context, 'configDir'>, name: string, fn: () => Promise<T>): Promise<T> {
  return withLock(join(ctx.configDir, 'locks'), refreshLockName(name), fn);
}

export const toIso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

const served = (account: AccountRecord, secrets: WithToken): AccessToken => {
  registerSecret(secrets.accessToken);
  return { account, token: secrets.accessToken, expiresAt: secrets.accessExpiresAt ?? null };
};

const until = (ms: number | null | undefined): string => (ms == null ? '' : `, valid until ${new Date(ms).toISOString()}`);

/**
 * The account's access token, refreshed first when it has less than minValidity seconds left.
 * Refresh is single-flight across processes: take the account's lock, read again, refresh only if still needed.
 */
export async function getAccessToken(
  ctx: TokenContext,
  options: { account?: string | null; minValidity?: number; config?: ConfigFile } = {},
): Promise<AccessToken> {
  // Lock-free: files are replaced atomically, so this read sees whole files, if perhaps one write apart.
  const state = await readState(ctx, { config: options.config, accessOnly: true });
  const record = resolveAccount(state.config, options.account);
  if (record.needsLogin) throw needsLoginError(record);
  const minValidityMs = threshold(state, options.minValidity);
  const seen = accountSecrets(state, record.name);
  if (usable(seen, ctx.now(), minValidityMs)) return served(record, seen);
  const landed = await refreshedElsewhere(ctx, record.name, seen);
  if (landed) return landed;
  try {
    return await withAccountLock(ctx, record.name, () => refreshUnderLock(ctx, record.name, minValidityMs, seen));
  } catch (error) {
    // Another process holds the refresh lock past our wait (a hung issuer): a token that still works beats an error.
    if (isAmplifyError(error, 'ELOCK') && unexpired(seen, ctx.now())) {
      ctx.log.warn(`amplify: could not refresh ${record.name} (${error.message}); using the cached token${until(seen.accessExpiresAt)}.`);
      return served(record, seen);
    }
    throw error;
  }
}

/**
 * While another process holds the account's refresh lock, its result is read as it lands, lock-free: fifty
 * helpers started at once on an expired token then load neither the lock library nor the OAuth client.
 * Undefined when nobody is refreshing (or the refresh did not produce a token): take the lock then.
 */
async function refreshedElsewhere(ctx: TokenContext, name: string, seen: AccountSecrets | undefined): Promise<AccessToken | undefined> {
  const dir = join(ctx.configDir, 'locks');
  const lock = refreshLockName(name);
  for (let pause = 5; await lockHeld(dir, lock); pause = Math.min(pause * 1.5, 100)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    const state = await readState(ctx, { accessOnly: true });
    const record = state.config.accounts[name];
    const secrets = accountSecrets(state, name);
    if (record && !record.needsLogin && secrets?.accessToken !== seen?.accessToken && unexpired(secrets, ctx.now())) return served(record, secrets);
  }
  return undefined;
}

async function refreshUnderLock(ctx: TokenContext, name: string, minValidityMs: number, seen: AccountSecrets | undefined): Promise<AccessToken> {
  // Read again, consistently (config and tokens of one moment): another process may have refreshed while we waited.
  const state = await readStateLocked(ctx);
  const record = resolveAccount(state.config, name);
  if (record.needsLogin) throw needsLoginError(record);
  const secrets = accountSecrets(state, name);
  if (!secrets) throw needsLoginError(record, `no tokens for it in the ${state.store.kind} store`);
  const now = ctx.now();
  // A token that came in while we waited is the result of the refresh we waited for: ours too, whatever our threshold.
  if (secrets.accessToken !== seen?.accessToken && unexpired(secrets, now)) return served(record, secrets);
  if (usable(secrets, now, minValidityMs)) return served(record, secrets);

  const { renewTokens } = await import('../flows/refresh.js');
  let metadata = state.config.issuers[record.issuer];
  let tokens: TokenSet;
  try {
    if (!metadata) {
      const { issuerConfiguration } = await import('../flows/issuer.js');
      metadata = (await issuerConfiguration({ ctx, issuer: record.issuer, clientId: record.clientId })).serverMetadata() as unknown as Record<string, unknown>;
    }
    tokens = await renewTokens({ ctx, issuer: record.issuer, clientId: record.clientId, metadata }, record, secrets, now);
  } catch (error) {
    if (isAmplifyError(error, 'ENEEDSLOGIN')) return refused(ctx, record, secrets, minValidityMs, error);
    // A network failure or 5xx changes nothing stored; a token that has not yet expired still works.
    if (unexpired(secrets, ctx.now())) {
      ctx.log.warn(`amplify: could not refresh ${name} (${(error as Error).message.replace(/\.$/, '')}); using the cached token${until(secrets.accessExpiresAt)}.`);
      return served(record, secrets);
    }
    if (isAmplifyError(error, 'EAUTH')) {
      throw new AmplifyError('EAUTH', `${error.message.replace(/\.$/, '')}; if its credential changed, run \`${loginCommand(record)}\`.`, { cause: error });
    }
    const what = secrets.accessToken && secrets.accessExpiresAt != null ? `the access token of ${name} expired at ${new Date(secrets.accessExpiresAt).toISOString()}` : `${name} has no cached access token`;
    const why = (error as Error).message.replace(/\.$/, '');
    throw new AmplifyError(error instanceof AmplifyError ? error.code : 'EISSUER', `${what} and could not be renewed (nothing stored changed): ${why}.`, { cause: error });
  }

  const outcome = await mutateState(ctx, (latest): { stored: AccessToken } | { newer: AccessToken | null } | { gone: true } => {
    const current = latest.config.accounts[name];
    const stored = latest.secrets[accountKey(name)];
    if (!current || stored?.kind !== 'account') return { gone: true };
    // Logged in again while we refreshed: the newer tokens stay; ours are of a grant nobody keeps.
    if (!sameTokenSet(stored, secrets)) return { newer: unexpired(stored, ctx.now()) ? served(current, stored) : null };
    // renewTokens carries an unrotated refresh token over; one it leaves out is gone (a service account re-ran its grant).
    latest.secrets[accountKey(name)] = {
      ...stored,
      accessToken: tokens.accessToken,
      accessExpiresAt: tokens.accessExpiresAt,
      refreshToken: tokens.refreshToken,
      refreshExpiresAt: tokens.refreshExpiresAt,
      idToken: tokens.idToken ?? stored.idToken,
    };
    current.expires = { access: toIso(tokens.accessExpiresAt), refresh: toIso(tokens.refreshExpiresAt) };
    current.needsLogin = false;
    latest.config.issuers[current.issuer] ??= metadata;
    return { stored: { account: current, token: tokens.accessToken, expiresAt: tokens.accessExpiresAt } };
  });
  if ('stored' in outcome) return outcome.stored;
  if ('newer' in outcome) return outcome.newer ?? { account: record, token: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
  // Logged out while we refreshed: the tokens we just got belong to nobody, so they go too.
  await revokeQuietly(ctx, record, metadata, { ...secrets, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  throw new AmplifyError('ENOACCOUNT', `${name} was logged out while its token was being refreshed; run \`${loginCommand(record)}\` to use it again.`);
}

/** invalid_grant: the account needs a new login, unless it got one while we were refreshing with the old grant. */
async function refused(ctx: TokenContext, record: AccountRecord, secrets: AccountSecrets, minValidityMs: number, error: AmplifyError): Promise<AccessToken> {
  const { name } = record;
  const outcome = await mutateState(ctx, (latest): 'marked' | 'gone' | 'newer' => {
    const current = latest.config.accounts[name];
    const stored = latest.secrets[accountKey(name)];
    if (!current || stored?.kind !== 'account') return 'gone';
    if (!sameTokenSet(stored, secrets)) return 'newer';
    current.needsLogin = true;
    return 'marked';
  });
  // The account got a new login meanwhile: use (or refresh) that one instead.
  if (outcome === 'newer') return refreshUnderLock(ctx, name, minValidityMs, secrets);
  if (outcome === 'gone') throw new AmplifyError('ENOACCOUNT', `${name} was logged out while its token was being refreshed.`);
  throw needsLoginError(record, error.message.replace(` while refreshing ${name}`, '').replace(/\.$/, ''));
}

async function revokeQuietly(ctx: TokenContext, record: AccountRecord, metadata: Record<string, unknown>, secrets: AccountSecrets): Promise<void> {
  try {
    const { revokeTokens } = await import('../flows/refresh.js');
    await revokeTokens({ ctx, issuer: record.issuer, clientId: record.clientId, metadata }, secrets);
  } catch (error) {
    ctx.log.debug(`revoking the orphaned tokens of ${record.name} failed: ${(error as Error).message}`);
  }
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
