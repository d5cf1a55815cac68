// Access tokens for an account: the cached one while it is valid, else one refresh per account across processes.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError, clause, grantRefused, isAmplifyError, type ErrorCode } from '../errors.js';
import type { TokenSet } from '../flows/tokens.js';
import { registerSecret } from '../log.js';
import type { AccountRecord, ConfigFile } from '../store/config.js';
import { lockHeld, readJsonFile, StaleWatch, withLock, writePrivateFile, LOCK_STALE_MS, type LockHandle } from '../store/files.js';
import { lockOptions, mutateState, readState, readStateLocked, STATE_LOCK, type State } from '../store/state.js';
import { accountKey, type AccountSecrets } from '../store/tokens.js';
import { loginCommand, needsLoginError, resolveAccount } from './model.js';

export const DEFAULT_MIN_VALIDITY = 60;

export interface AccessToken {
  account: AccountRecord;
  token: string;
  /** Epoch milliseconds, null when unknown. */
  expiresAt: number | null;
}

export type TokenContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'> & Partial<Pick<Context, 'lockStaleMs' | 'requestTimeoutMs'>>;

/** The account's entry in the token store, where it has one. */
export function accountSecrets(state: State, name: string): AccountSecrets | undefined {
  const entry = state.secrets[accountKey(name)];
  return entry?.kind === 'account' ? entry : undefined;
}

type WithToken = AccountSecrets & { accessToken: string };

/**
 * How far in the future a token's receipt may lie before it counts as received by a clock that was ahead: its expiry
 * (receipt + expires_in) then says nothing about when the issuer stops accepting it, so it is refreshed.
 */
export const RECEIPT_TOLERANCE_MS = 60_000;

/** Has more than minValidityMs left (a token without a stated expiry always has), by a receipt not in the future. */
function usable(secrets: AccountSecrets | undefined, now: number, minValidityMs: number): secrets is WithToken {
  if (!secrets?.accessToken) return false;
  if (secrets.receivedAt != null && secrets.receivedAt - now > RECEIPT_TOLERANCE_MS) return false;
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
export function withAccountLock<T>(
  ctx: Pick<Context, 'configDir'> & Partial<Pick<Context, 'now' | 'lockStaleMs' | 'requestTimeoutMs'>>,
  name: string,
  fn: (lock: LockHandle) => Promise<T>,
  deadline?: number,
): Promise<T> {
  return withLock(join(ctx.configDir, 'locks'), refreshLockName(name), fn, {
    now: ctx.now,
    lockStaleMs: ctx.lockStaleMs,
    // A holder's refresh is one request (two without cached discovery): waiting longer than that helps nobody.
    waitMs: deadline === undefined ? refreshWaitMs(ctx) : Math.max(0, deadline - (ctx.now ?? Date.now)()),
    // Its holder may hold a refresh token the issuer has already rotated: a paused holder is waited for, never
    // taken over (a second refresh with the old token would be refused, and may make the issuer revoke the grant).
    respectLiveHolder: true,
    what: `the tokens of ${name} (it is refreshing them)`,
  });
}

/**
 * A one-way digest of a token set, to tell sets apart without keeping a token anywhere new. Here, not in journal.ts:
 * a waiter in the helpers' fast tier needs it without loading anything (a dynamic import would hand the call over).
 */
export function fingerprint(secrets: AccountSecrets | undefined): string {
  const material = `${secrets?.refreshToken ?? ''}\n${secrets?.clientSecret ?? ''}\n${secrets?.privateKey ?? ''}`;
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(material).digest('hex').slice(0, 32);
}

/**
 * How long a waiter waits for another process's refresh: one request deadline and a second, so that a helper answers
 * within about one deadline whether it refreshes itself or waits on a process that does.
 */
const refreshWaitMs = (ctx: Partial<Pick<Context, 'requestTimeoutMs'>>): number => (ctx.requestTimeoutMs ?? 30_000) + 1_000;

/** Where a refresh that failed leaves its outcome for the processes that waited on it (SPEC "Tokens"). */
const outcomeFile = (ctx: Pick<Context, 'configDir'>, name: string): string => join(ctx.configDir, 'locks', `${refreshLockName(name)}.outcome.json`);

interface RefreshOutcome {
  at: number;
  base: string;
  code: ErrorCode;
  /** The error's whole line, and the same without its closing full stop (clause): masked where the error is ours (AmplifyError masks its line), and masked again by the logger that prints them. */
  message: string;
  clause: string;
}

/** A failed refresh of the token set we started from, that ended after `since`: ours to share, not to repeat. */
async function sharedFailure(ctx: TokenContext, name: string, seen: AccountSecrets | undefined, since: number): Promise<RefreshOutcome | undefined> {
  const outcome = await readJsonFile<RefreshOutcome>(outcomeFile(ctx, name)).catch(() => undefined);
  if (!outcome || typeof outcome.at !== 'number' || outcome.at < since) return undefined;
  return outcome.base === fingerprint(seen) ? outcome : undefined;
}

/** The waiter's answer from a failure it shares: the cached token while it works (as the holder did), else the error. */
function fromSharedFailure(ctx: TokenContext, record: AccountRecord, seen: AccountSecrets | undefined, outcome: RefreshOutcome): AccessToken {
  if (outcome.code !== 'ENEEDSLOGIN' && unexpired(seen, ctx.now())) {
    ctx.log.warn(`amplify: could not refresh ${record.name} (another amplify process just tried: ${outcome.clause}); using the cached token${until(seen.accessExpiresAt)}.`);
    return accessTokenOf(record, seen);
  }
  throw new AmplifyError(outcome.code, outcome.message);
}

export const toIso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

const accessTokenOf = (account: AccountRecord, secrets: WithToken): AccessToken => {
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
  const cached = accountSecrets(state, record.name);
  if (usable(cached, ctx.now(), minValidityMs)) return accessTokenOf(record, cached);
  // On the way to a refresh the whole token set counts (a shared outcome and the journal name it by its refresh
  // token), and an access-only read (the keyring store's access cache) has only the access token.
  const seen = state.store.readAccess ? accountSecrets(await readState(ctx, { config: state.config }), record.name) : cached;
  const since = ctx.now();
  const landed = await refreshedElsewhere(ctx, record, seen, since);
  if (landed) return landed;
  try {
    // One deadline for the whole wait, lock-free and for the lock alike.
    return await withAccountLock(ctx, record.name, (lock) => refreshUnderLock(ctx, record.name, minValidityMs, seen, lock, since), since + refreshWaitMs(ctx));
  } catch (error) {
    // Another process holds the refresh lock past our wait (a hung issuer): a token that still works beats an error.
    if (isAmplifyError(error, 'ELOCK') && unexpired(seen, ctx.now())) {
      ctx.log.warn(`amplify: could not refresh ${record.name} (${error.message}); using the cached token${until(seen.accessExpiresAt)}.`);
      return accessTokenOf(record, seen);
    }
    throw error;
  }
}

/**
 * While another process holds the account's refresh lock, its result is read as it lands, lock-free: fifty
 * helpers started at once on an expired token then load neither the lock library nor the OAuth client.
 * Undefined when nobody is refreshing (or the refresh did not produce a token): take the lock then.
 */
async function refreshedElsewhere(ctx: TokenContext, record: AccountRecord, seen: AccountSecrets | undefined, since: number): Promise<AccessToken | undefined> {
  const { name } = record;
  const dir = join(ctx.configDir, 'locks');
  const lock = refreshLockName(name);
  // The waiter's own watch and deadline: a lock from the future (a clock stepped back) is stale after the stale time.
  const watch = new StaleWatch({ staleMs: ctx.lockStaleMs ?? LOCK_STALE_MS, now: ctx.now });
  const deadline = since + refreshWaitMs(ctx);
  let waited = false;
  for (let pause = 5; ctx.now() < deadline && (await lockHeld(dir, lock, watch)); pause = Math.min(pause * 1.5, 100)) {
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, pause));
    const state = await readState(ctx, { accessOnly: true });
    const current = state.config.accounts[name];
    const secrets = accountSecrets(state, name);
    if (current && !current.needsLogin && secrets?.accessToken !== seen?.accessToken && unexpired(secrets, ctx.now())) return accessTokenOf(current, secrets);
  }
  if (!waited) return undefined;
  // The refresh we waited for failed: its outcome is ours too, instead of trying again in turn.
  const failure = await sharedFailure(ctx, name, seen, since);
  return failure ? fromSharedFailure(ctx, record, seen, failure) : undefined;
}

type Stored = { stored: AccessToken } | { newer: AccessToken | null } | { gone: true } | { revoked: true };

/**
 * Stores renewed tokens over `base`, the set they were renewed from, unless that set is no longer the account's: a new
 * login since keeps its own tokens, and an account marked as needing a login since (another process refreshed with the
 * old refresh token while we were paused, and was refused) is not revived with tokens of a grant the issuer may have
 * revoked on that reuse.
 */
function storeRenewed(ctx: TokenContext, name: string, base: AccountSecrets, renewed: AccountSecrets, metadata: Record<string, unknown>): Promise<Stored> {
  return mutateState(ctx, (latest): Stored => {
    const current = latest.config.accounts[name];
    const stored = latest.secrets[accountKey(name)];
    if (!current || stored?.kind !== 'account') return { gone: true };
    // Logged in again while we refreshed: the newer tokens stay; ours are of a grant nobody keeps.
    if (!sameTokenSet(stored, base)) return { newer: unexpired(stored, ctx.now()) ? accessTokenOf(current, stored) : null };
    if (current.needsLogin) return { revoked: true };
    latest.secrets[accountKey(name)] = { ...stored, ...renewed, idToken: renewed.idToken ?? stored.idToken };
    current.expires = { access: toIso(renewed.accessExpiresAt), refresh: toIso(renewed.refreshExpiresAt) };
    latest.config.issuers[current.issuer] ??= metadata;
    return { stored: { account: current, token: renewed.accessToken!, expiresAt: renewed.accessExpiresAt ?? null } };
  });
}

/** Leaves a failed refresh's outcome for the processes waiting on it; best effort (a full disk keeps nothing). */
async function leaveOutcome(ctx: TokenContext, name: string, base: AccountSecrets, error: unknown): Promise<void> {
  const outcome: RefreshOutcome = {
    at: ctx.now(),
    base: fingerprint(base),
    code: error instanceof AmplifyError ? error.code : 'EISSUER',
    message: (error as Error)?.message ?? String(error),
    clause: clause(error),
  };
  await writePrivateFile(outcomeFile(ctx, name), JSON.stringify(outcome)).catch(() => undefined);
}

async function refreshUnderLock(
  ctx: TokenContext,
  name: string,
  minValidityMs: number,
  seen: AccountSecrets | undefined,
  lock: LockHandle,
  since: number,
): Promise<AccessToken> {
  // Read again, consistently (config and tokens of one moment): another process may have refreshed while we waited.
  const state = await readStateLocked(ctx);
  const record = resolveAccount(state.config, name);
  if (record.needsLogin) throw needsLoginError(record);
  let secrets = accountSecrets(state, name);
  if (!secrets) throw needsLoginError(record, `no tokens for it in the ${state.store.kind} store`);
  const now = ctx.now();
  // A token that came in while we waited is the result of the refresh we waited for: ours too, whatever our threshold.
  if (secrets.accessToken !== seen?.accessToken && unexpired(secrets, now)) return accessTokenOf(record, secrets);
  if (usable(secrets, now, minValidityMs)) return accessTokenOf(record, secrets);
  // The refresh we waited for failed: share its outcome instead of asking the issuer again.
  const failure = await sharedFailure(ctx, name, secrets, since);
  if (failure) return fromSharedFailure(ctx, record, secrets, failure);

  const { journalFile, readJournal, reserveJournal, writeJournal } = await import('./journal.js');
  const journal = state.store.durable ? journalFile(ctx, refreshLockName(name)) : null;
  if (journal) {
    // Tokens an earlier refresh could not store (a full disk): they are the account's, the stored ones are spent.
    const pending = await readJournal(journal, state.store).catch((error: unknown) => {
      // A locked keyring is not a damaged journal: its tokens wait for the keyring, untouched.
      if (!isAmplifyError(error, 'ESTORE') || /cannot read/.test(error.message)) throw error;
      ctx.log.warn(`amplify: ${clause(error)}.`);
      return writeJournal(journal, state.store, null).then(() => null);
    });
    if (pending) {
      if (pending.account === name && pending.base === fingerprint(secrets)) {
        const outcome = await storeRenewed(ctx, name, secrets, pending.secrets, state.config.issuers[record.issuer] ?? {});
        await writeJournal(journal, state.store, null);
        if ('stored' in outcome) {
          ctx.log.debug(`${name}: stored the renewed tokens kept in ${journal}`);
          secrets = pending.secrets;
          if (usable(secrets, ctx.now(), minValidityMs)) return accessTokenOf(outcome.stored.account, secrets as WithToken);
        } else if ('newer' in outcome && outcome.newer) return outcome.newer;
        else return refreshUnderLock(ctx, name, minValidityMs, undefined, lock, since);
      } else {
        await writeJournal(journal, state.store, null);
      }
    }
    // Room for the rotated tokens before they are asked for: where there is none, the refresh waits for space.
    try {
      await withLock(ctx.configDir, STATE_LOCK, () => reserveJournal(journal), lockOptions(ctx, `the state in ${ctx.configDir}`));
    } catch (error) {
      const why = `${clause(error)}; ${name} was not refreshed, so that tokens the issuer rotates cannot be lost (nothing stored changed). Free some space and try again`;
      if (unexpired(secrets, ctx.now())) {
        ctx.log.warn(`amplify: ${why}; using the cached token${until(secrets.accessExpiresAt)}.`);
        return accessTokenOf(record, secrets);
      }
      throw new AmplifyError('ESTORE', { account: name, fault: why }, { cause: error });
    }
  }

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
    await leaveOutcome(ctx, name, secrets, error);
    if (isAmplifyError(error, 'ENEEDSLOGIN')) return onRefreshRefused(ctx, record, secrets, minValidityMs, error, lock, since);
    // A network failure or 5xx changes nothing stored; a token that has not yet expired still works.
    if (unexpired(secrets, ctx.now())) {
      ctx.log.warn(`amplify: could not refresh ${name} (${clause(error)}); using the cached token${until(secrets.accessExpiresAt)}.`);
      return accessTokenOf(record, secrets);
    }
    const about = { account: name, issuer: record.issuer, doing: isAmplifyError(error) ? error.doing : undefined, oauthError: isAmplifyError(error) ? error.oauthError : undefined };
    if (isAmplifyError(error, 'EAUTH')) {
      throw new AmplifyError('EAUTH', { ...about, fault: clause(error), hint: `if its credential changed, run \`${loginCommand(record)}\`` }, { cause: error });
    }
    const what = secrets.accessToken && secrets.accessExpiresAt != null ? `the access token of ${name} expired at ${new Date(secrets.accessExpiresAt).toISOString()}` : `${name} has no cached access token`;
    throw new AmplifyError(error instanceof AmplifyError ? error.code : 'EISSUER', { ...about, fault: `${what} and could not be renewed (nothing stored changed): ${clause(error)}` }, { cause: error });
  }

  // Expiry against the local clock at receipt, not at the request: a slow answer must not outlive its token.
  const receivedAt = ctx.now();
  const late = Math.max(0, receivedAt - now);
  const renewed: AccountSecrets = {
    kind: 'account',
    accessToken: tokens.accessToken,
    accessExpiresAt: tokens.accessExpiresAt == null ? null : tokens.accessExpiresAt + late,
    refreshToken: tokens.refreshToken,
    refreshExpiresAt: tokens.refreshExpiresAt != null && tokens.refreshToken !== secrets.refreshToken ? tokens.refreshExpiresAt + late : tokens.refreshExpiresAt,
    idToken: tokens.idToken,
    receivedAt,
  };
  registerSecret(renewed.accessToken);
  registerSecret(renewed.refreshToken);
  // The refresh lock's fence: taken over while we were paused (only where its holder could not be seen alive, such as
  // another host), the account may meanwhile have been refreshed or refused; storeRenewed decides from what is stored.
  await lock.assertHeld().catch(() => ctx.log.debug(`${name}: the refresh lock was taken over while this process refreshed`));
  let outcome: Stored;
  try {
    outcome = await storeRenewed(ctx, name, secrets, renewed, metadata);
  } catch (error) {
    if (!journal || !isAmplifyError(error, 'ESTORE')) throw error;
    // The issuer has rotated the tokens and they cannot be stored: keep them where the next process finds them.
    try {
      await writeJournal(journal, state.store, { account: name, base: fingerprint(secrets), secrets: renewed });
    } catch (kept) {
      throw new AmplifyError(
        'ESTORE',
        { account: name, fault: clause(error), note: `The renewed tokens of ${name} could not be kept either (${clause(kept)}): once there is space, run \`${loginCommand(record)}\`` },
        { cause: error },
      );
    }
    throw new AmplifyError('ESTORE', { account: name, fault: clause(error), note: `The renewed tokens of ${name} are kept in ${journal}; the next amplify command that needs them stores them once there is space` }, { cause: error });
  }
  if ('stored' in outcome) {
    await unlink(outcomeFile(ctx, name)).catch(() => undefined);
    return outcome.stored;
  }
  if ('newer' in outcome) return outcome.newer ?? { account: record, token: tokens.accessToken, expiresAt: renewed.accessExpiresAt ?? null };
  if ('revoked' in outcome) {
    await revokeQuietly(ctx, record, metadata, { ...secrets, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    throw needsLoginError(record, 'another amplify process was refused a refresh while this one was paused, so the issuer may have revoked the grant');
  }
  // Logged out while we refreshed: the tokens we just got belong to nobody, so they go too.
  await revokeQuietly(ctx, record, metadata, { ...secrets, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  throw new AmplifyError('ENOACCOUNT', `${name} was logged out while its token was being refreshed; run \`${loginCommand(record)}\` to use it again.`);
}

/** invalid_grant: the account needs a new login, unless it got one while we were refreshing with the old grant. */
async function onRefreshRefused(
  ctx: TokenContext,
  record: AccountRecord,
  secrets: AccountSecrets,
  minValidityMs: number,
  error: AmplifyError,
  lock: LockHandle,
  since: number,
): Promise<AccessToken> {
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
  if (outcome === 'newer') return refreshUnderLock(ctx, name, minValidityMs, secrets, lock, since);
  if (outcome === 'gone') throw new AmplifyError('ENOACCOUNT', `${name} was logged out while its token was being refreshed.`);
  // The issuer's refusal of this refresh, said without "while refreshing <name>": the line is about <name> already.
  const ours = error.oauthError?.error === 'invalid_grant' && error.doing === `refreshing ${name}`;
  const why = ours ? [grantRefused(error.issuer ?? record.issuer, error.oauthError?.description), error.parts?.note].filter((part) => part !== undefined).join('. ') : clause(error);
  throw needsLoginError(record, why);
}

async function revokeQuietly(ctx: TokenContext, record: AccountRecord, metadata: Record<string, unknown>, secrets: AccountSecrets): Promise<void> {
  try {
    const { revokeTokens } = await import('../flows/refresh.js');
    await revokeTokens({ ctx, issuer: record.issuer, clientId: record.clientId, metadata }, secrets, record);
  } catch (error) {
    ctx.log.debug(`revoking the orphaned tokens of ${record.name} failed: ${(error as Error).message}`);
  }
}

/**
 * docker's `erase` and Terraform's `forget` of a bound host: they carry no token, so the cached one of the account
 * the binding names (null: the selected one) goes, and the next get refreshes. Nobody is logged out; an account
 * that is not there has nothing to drop.
 */
export async function dropBoundAccessToken(ctx: TokenContext, config: ConfigFile, account: string | null): Promise<void> {
  let name: string | undefined;
  try {
    name = resolveAccount(config, account).name;
  } catch {
    name = undefined;
  }
  if (name) await dropCachedAccessToken(ctx, name);
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
