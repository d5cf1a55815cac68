// Logging in: pick the grant from the options, run it, learn who and which orgs, then store the account.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { AMPLIFY_SCOPE, chooseIssuer, DEFAULT_CLIENT_ID, DEFAULT_SCOPE, discoveredIssuer, issuerConfiguration, sameIssuer } from '../flows/issuer.js';
import { checkRedirectUri, type RedirectPlan } from '../flows/loopback.js';
import { describeSession } from '../flows/session.js';
import { LOGINS, type LoginMethod, type LoginOptions } from '../grants/index.js';
import type { LoginGrant } from '../grants/grant.js';
import type { AccountRecord, ConfigFile } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { accountKey } from '../store/tokens.js';
import { baseAccountName, isServiceAccount, toView, uniqueAccountName, type AccountView } from './model.js';
import { toIso } from './tokens.js';

export type LoginContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now' | 'stderr' | 'stdin' | 'isTTY' | 'openBrowser'>;

export type { LoginOptions };

export interface LoginResult {
  account: AccountView;
  alreadyLoggedIn: boolean;
  /** Where the new account did not become the default: the command that would select it. */
  switchHint?: string;
  /** Tokens fell back from the keyring to a file. */
  storeNotice?: string;
}

/** The grant the options call for: every given grant's refusal first, then the first given (the table's order). */
export function chooseMethod(options: LoginOptions): LoginMethod {
  const given = (Object.keys(LOGINS) as LoginMethod[]).filter((method) => flagGiven(LOGINS[method], options));
  for (const method of given) {
    const refusal = LOGINS[method].refuses?.(options);
    if (refusal) throw usageError(refusal);
  }
  // The default grant has no flag: it is always given, and last.
  return given[0]!;
}

function flagGiven(grant: LoginGrant, options: LoginOptions): boolean {
  if (!grant.flag) return true;
  const value = options[grant.flag.option];
  return value !== undefined && value !== false;
}

/** The stored account a login with these options would replace, known before any token request: for "already logged in". */
function accountToReplace(method: LoginMethod, clientId: string, options: LoginOptions): ((record: AccountRecord) => boolean) | undefined {
  // A service account is named by its client id alone, whichever grant logged it in.
  if (isServiceAccount(method)) return (record) => isServiceAccount(record.method) && record.clientId === clientId;
  return LOGINS[method].replaces?.(clientId, options);
}

const refreshStillValid = (record: AccountRecord, now: number): boolean =>
  !record.needsLogin && (record.expires.refresh === null || Date.parse(record.expires.refresh) > now);

/** A redirect kept from an earlier login of this client at this issuer (`--redirect-uri` is given once). */
function keptRedirect(config: ConfigFile, issuer: string, clientId: string): string | null {
  const earlier = Object.values(config.accounts).find((record) => sameIssuer(record.issuer, issuer) && record.clientId === clientId && record.redirectUri);
  return earlier?.redirectUri ?? null;
}

export async function login(ctx: LoginContext, options: LoginOptions): Promise<LoginResult> {
  const method = chooseMethod(options);
  const grant = LOGINS[method];
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  if (isServiceAccount(method) && options.clientId === undefined) {
    throw usageError(`${grant.flag?.name} logs a service account in: name it with --client-id <id>.`);
  }
  if (options.redirectUri !== undefined) {
    if (!grant.browserRedirect) throw usageError('--redirect-uri is where the browser comes back to after a browser login; it does not combine with --device, --username, --client-secret or --secret-file.');
    checkRedirectUri(options.redirectUri);
  }
  const choice = chooseIssuer(options);
  const { platformUrl, env, amplify } = choice;
  let { issuer } = choice;
  const scope = options.scope ?? (amplify ? AMPLIFY_SCOPE : DEFAULT_SCOPE);

  // Probing first makes an explicit keyring store that does not answer fail before any token is issued.
  const state = await readState(ctx, { probe: true });
  const matches = accountToReplace(method, clientId, options);
  const existing = matches && Object.values(state.config.accounts).find((record) => sameIssuer(record.issuer, issuer) && matches(record));
  if (!options.force && existing && refreshStillValid(existing, ctx.now()) && state.secrets[accountKey(existing.name)]) {
    return { account: toView(existing, state.config), alreadyLoggedIn: true };
  }
  const kept = existing && state.secrets[accountKey(existing.name)];

  const source = choice.discoveryUrl ?? issuer;
  const discovered = await issuerConfiguration({ ctx, issuer: source, clientId });
  const metadata = discovered.serverMetadata() as unknown as Record<string, unknown>;
  // One account per issuer however it was spelt: the issuer is the one the discovery document names.
  issuer = discoveredIssuer(metadata, source);
  const redirectUri = grant.browserRedirect ? (options.redirectUri ?? keptRedirect(state.config, issuer, clientId)) : null;
  const redirect: RedirectPlan = redirectUri ? { kind: 'fixed', url: redirectUri } : amplify ? { kind: 'amplify' } : { kind: 'rfc8252' };
  const access = { ctx, issuer, clientId, metadata, amplify };
  const { tokens, keep, clientAuth } = await grant.run(ctx, options, { access, scope, redirect, replaced: kept?.kind === 'account' ? kept : undefined, now: ctx.now() });
  const session = await describeSession(ctx, { platformUrl, tokens });
  const base = baseAccountName(clientId, isServiceAccount(method) ? null : session.user);

  return mutateState(
    ctx,
    (state) => {
      const { config } = state;
      const name = uniqueAccountName(config, base, issuer);
      const previous = config.accounts[name];
      const keptOrg = previous?.org && session.orgs.find((org) => org.id === previous.org!.id);
      const record: AccountRecord = {
        name,
        method,
        issuer,
        env,
        amplify,
        redirectUri,
        clientAuth: clientAuth ?? null,
        clientId,
        platformUrl,
        scope: isServiceAccount(method) ? (options.scope ?? '') : scope,
        user: {
          email: session.user.email,
          name: session.user.name ?? session.user.preferredUsername,
          sub: session.user.sub ?? (isServiceAccount(method) ? clientId : null),
          username: typeof options.username === 'string' ? options.username : session.user.preferredUsername,
        },
        org: keptOrg || session.defaultOrg,
        orgs: session.orgs,
        expires: { access: toIso(tokens.accessExpiresAt), refresh: toIso(tokens.refreshExpiresAt) },
        needsLogin: false,
        tokenStore: state.store.kind,
      };
      config.accounts[name] = record;
      config.issuers[issuer] = metadata;
      state.secrets[accountKey(name)] = {
        kind: 'account',
        accessToken: tokens.accessToken,
        accessExpiresAt: tokens.accessExpiresAt,
        refreshToken: tokens.refreshToken,
        refreshExpiresAt: tokens.refreshExpiresAt,
        receivedAt: ctx.now(),
        idToken: tokens.idToken,
        // Only what the grant says it keeps.
        ...Object.fromEntries(grant.keeps.map((credential) => [credential, keep[credential]]).filter(([, value]) => value !== undefined)),
      };
      const current = config.auth.defaultAccount;
      if (!current || !config.accounts[current]) config.auth.defaultAccount = name;
      const isDefault = config.auth.defaultAccount === name;
      return {
        account: toView(record, config),
        alreadyLoggedIn: false,
        switchHint: isDefault ? undefined : `amplify auth switch --account ${name}`,
        storeNotice: state.fallbackNotice,
      };
    },
    { probe: true },
  );
}
