// Logging in: pick the grant from the options, run it, learn who and which orgs, then store the account.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { AMPLIFY_SCOPE, chooseIssuer, DEFAULT_CLIENT_ID, DEFAULT_SCOPE, discoveredIssuer, issuerConfiguration, sameIssuer, type IssuerAccess } from '../flows/issuer.js';
import { checkRedirectUri, type RedirectPlan } from '../flows/loopback.js';
import { describeSession } from '../flows/session.js';
import type { TokenSet } from '../flows/tokens.js';
import type { AccountRecord, ClientAuthStyle, ConfigFile, LoginMethod } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { accountKey, type AccountSecrets } from '../store/tokens.js';
import { baseAccountName, isServiceAccount, toView, uniqueAccountName, type AccountView } from './model.js';
import { toIso } from './tokens.js';

export type LoginContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now' | 'stderr' | 'stdin' | 'isTTY' | 'openBrowser'>;

export interface LoginOptions {
  env?: string;
  issuer?: string;
  /** An Amplify Platform deployment's address; the issuer is `<baseUrl>/auth/realms/<realm>`. */
  baseUrl?: string;
  realm?: string;
  platformUrl?: string;
  /** A loopback redirect the issuer registered for this client (browser logins). */
  redirectUri?: string;
  clientId?: string;
  clientSecret?: string;
  secretFile?: string;
  /** A name, or true to prompt for it. */
  username?: string | true;
  password?: string;
  device?: boolean;
  scope?: string;
  force?: boolean;
  launchBrowser?: boolean;
  timeoutSeconds?: number;
}

export interface LoginResult {
  account: AccountView;
  alreadyLoggedIn: boolean;
  /** Where the new account did not become the default: the command that would select it. */
  switchHint?: string;
  /** Tokens fell back from the keyring to a file. */
  storeNotice?: string;
}

export function chooseMethod(options: LoginOptions): LoginMethod {
  if (options.secretFile !== undefined && options.clientSecret !== undefined && options.username === undefined) {
    throw usageError('--client-secret and --secret-file are two ways to log a service account in; give one.');
  }
  if (options.device && (options.username !== undefined || options.secretFile !== undefined || options.clientSecret !== undefined)) {
    throw usageError('--device logs a person in through a browser elsewhere; it does not combine with --username, --client-secret or --secret-file.');
  }
  if (options.username !== undefined) {
    if (options.secretFile !== undefined) throw usageError('--username does not combine with --secret-file.');
    return 'password';
  }
  if (options.secretFile !== undefined) return 'signed-jwt';
  if (options.clientSecret !== undefined) return 'client-secret';
  return options.device ? 'device' : 'pkce';
}

interface Credentials {
  tokens: TokenSet;
  keep: Pick<AccountSecrets, 'clientSecret' | 'privateKey'>;
  /** What the token endpoint accepted from a confidential client. */
  clientAuth?: ClientAuthStyle | null;
}

async function runGrant(
  ctx: LoginContext,
  method: LoginMethod,
  options: LoginOptions,
  access: IssuerAccess & { metadata: Record<string, unknown> },
  scope: string,
  redirect: RedirectPlan,
): Promise<Credentials> {
  const now = ctx.now();
  switch (method) {
    case 'client-secret': {
      const { clientSecretGrant } = await import('../flows/client-secret.js');
      const clientSecret = options.clientSecret!;
      const { tokens, style } = await clientSecretGrant({ access, clientSecret, scope: options.scope, now });
      return { tokens, keep: { clientSecret }, clientAuth: style };
    }
    case 'signed-jwt': {
      const { readPrivateKeyFile, signedJwtGrant } = await import('../flows/signed-jwt.js');
      const privateKey = await readPrivateKeyFile(options.secretFile!);
      const { tokens, style } = await signedJwtGrant({ access, privateKeyPem: privateKey, scope: options.scope, now });
      return { tokens, keep: { privateKey }, clientAuth: style };
    }
    case 'password': {
      const { passwordGrant } = await import('../flows/password.js');
      const { username, password } = await passwordCredentials(ctx, options);
      const { tokens, style } = await passwordGrant({ access, username, password, clientSecret: options.clientSecret, scope, now });
      return { tokens, keep: options.clientSecret ? { clientSecret: options.clientSecret } : {}, clientAuth: style };
    }
    case 'pkce': {
      const [{ pkceLogin }, { personAt }] = await Promise.all([import('../flows/pkce.js'), import('../prompts.js')]);
      return { tokens: await pkceLogin(ctx, { access, scope, redirect, person: personAt(ctx), launchBrowser: options.launchBrowser ?? true, timeoutSeconds: options.timeoutSeconds ?? 300 }), keep: {} };
    }
    case 'device': {
      const [{ deviceLogin }, { personAt }] = await Promise.all([import('../flows/device.js'), import('../prompts.js')]);
      return { tokens: await deviceLogin(ctx, { access, scope, person: personAt(ctx), launchBrowser: options.launchBrowser ?? true, timeoutSeconds: options.timeoutSeconds ?? 300 }), keep: {} };
    }
  }
}

async function passwordCredentials(ctx: LoginContext, options: LoginOptions): Promise<{ username: string; password: string }> {
  let username = typeof options.username === 'string' ? options.username : undefined;
  let password = options.password;
  if (username !== undefined && password !== undefined) return { username, password };
  if (!ctx.isTTY) {
    throw usageError(
      username === undefined ? '--username without a value prompts for it, and there is no terminal; give --username <user> with --password or AMPLIFY_PASSWORD.' : `no password for ${username}: give --password or set AMPLIFY_PASSWORD (no terminal to prompt on).`,
    );
  }
  const { promptUsername, promptPassword } = await import('../prompts.js');
  username ??= await promptUsername(ctx);
  password ??= await promptPassword(ctx, username);
  return { username, password };
}

/** Who the service account or person would be named before any token request: for "already logged in". */
function knownName(method: LoginMethod, clientId: string, options: LoginOptions): ((record: AccountRecord) => boolean) | undefined {
  if (isServiceAccount(method)) return (record) => isServiceAccount(record.method) && record.clientId === clientId;
  if (method === 'password' && typeof options.username === 'string') {
    const wanted = options.username.toLowerCase();
    return (record) => record.clientId === clientId && [record.user.email, record.user.name, record.user.username].some((v) => v?.toLowerCase() === wanted);
  }
  return undefined;
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
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  if (isServiceAccount(method) && options.clientId === undefined) {
    throw usageError(`${method === 'signed-jwt' ? '--secret-file' : '--client-secret'} logs a service account in: name it with --client-id <id>.`);
  }
  if (options.redirectUri !== undefined) {
    if (method !== 'pkce') throw usageError('--redirect-uri is where the browser comes back to after a browser login; it does not combine with --device, --username, --client-secret or --secret-file.');
    checkRedirectUri(options.redirectUri);
  }
  const choice = chooseIssuer(options);
  const { platformUrl, env, amplify } = choice;
  let { issuer } = choice;
  const scope = options.scope ?? (amplify ? AMPLIFY_SCOPE : DEFAULT_SCOPE);

  // Probing first makes an explicit keyring store that does not answer fail before any token is issued.
  const state = await readState(ctx, { probe: true });
  const matches = knownName(method, clientId, options);
  const existing = matches && Object.values(state.config.accounts).find((record) => sameIssuer(record.issuer, issuer) && matches(record));
  if (!options.force && existing && refreshStillValid(existing, ctx.now()) && state.secrets[accountKey(existing.name)]) {
    return { account: toView(existing, state.config), alreadyLoggedIn: true };
  }
  // A password login through a confidential client: the client secret kept with the account is used again, so that
  // its re-login hint (loginCommand) works as written, without the secret in argv.
  const kept = existing && state.secrets[accountKey(existing.name)];
  if (method === 'password' && options.clientSecret === undefined && kept?.kind === 'account' && kept.clientSecret) options = { ...options, clientSecret: kept.clientSecret };

  const source = choice.discoveryUrl ?? issuer;
  const discovered = await issuerConfiguration({ ctx, issuer: source, clientId });
  const metadata = discovered.serverMetadata() as unknown as Record<string, unknown>;
  // One account per issuer however it was spelt: the issuer is the one the discovery document names.
  issuer = discoveredIssuer(metadata, source);
  const redirectUri = method === 'pkce' ? (options.redirectUri ?? keptRedirect(state.config, issuer, clientId)) : null;
  const redirect: RedirectPlan = redirectUri ? { kind: 'fixed', url: redirectUri } : amplify ? { kind: 'amplify' } : { kind: 'rfc8252' };
  const { tokens, keep, clientAuth } = await runGrant(ctx, method, options, { ctx, issuer, clientId, metadata, amplify }, scope, redirect);
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
        ...keep,
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
