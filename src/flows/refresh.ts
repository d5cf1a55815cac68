// Renewing an account's tokens: the refresh_token grant, or re-running a service account's grant with its stored credential.
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import type { AccountRecord } from '../store/config.js';
import type { AccountSecrets } from '../store/tokens.js';
import { firstJwtStyle, firstSecretStyle, secretClientAuth } from './client-auth.js';
import { clientSecretGrant } from './client-secret.js';
import { issuerConfiguration, issuerError, type IssuerAccess } from './issuer.js';
import { privateKeyJwtAuth, signedJwtGrant } from './signed-jwt.js';
import { toTokenSet, type TokenSet } from './tokens.js';

type Described = Pick<AccountRecord, 'clientAuth' | 'amplify'>;

/** How this account's client authenticates at the token and revocation endpoints: the style that worked at login. */
export async function clientAuthFor(metadata: Record<string, unknown>, secrets: AccountSecrets, account: Described | undefined): Promise<oidc.ClientAuth> {
  if (secrets.clientSecret) return secretClientAuth(account?.clientAuth ?? firstSecretStyle(metadata), secrets.clientSecret);
  if (secrets.privateKey) return privateKeyJwtAuth(secrets.privateKey, account?.clientAuth ?? firstJwtStyle(account?.amplify ?? false), metadata);
  return oidc.None();
}

export async function renewTokens(
  access: IssuerAccess & { metadata: Record<string, unknown> },
  account: AccountRecord,
  secrets: AccountSecrets,
  now: number,
): Promise<TokenSet> {
  access = { ...access, amplify: account.amplify };
  const scope = account.scope || undefined;
  const rerun = storedGrant(account, secrets);
  if (secrets.refreshToken) {
    const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata, secrets, account) });
    try {
      // The only use of this refresh token: the caller holds the account's lock and stores what comes back.
      const response = await oidc.refreshTokenGrant(config, secrets.refreshToken);
      const tokens = toTokenSet(response, now);
      // An issuer that does not rotate sends no new refresh token: keep the one we have.
      return { ...tokens, refreshToken: tokens.refreshToken ?? secrets.refreshToken, refreshExpiresAt: tokens.refreshToken ? tokens.refreshExpiresAt : (secrets.refreshExpiresAt ?? null) };
    } catch (error) {
      const failure = issuerError(error, access.issuer, `refreshing ${account.name}`);
      // A service account whose refresh token is refused still has the credential that got it.
      if (!(failure.code === 'ENEEDSLOGIN' && rerun)) throw failure;
      access.ctx.log.debug(`${account.name}: refresh refused, re-running its ${account.method} grant`);
    }
  }
  if (rerun) {
    try {
      return await rerun(access, scope, now);
    } catch (error) {
      throw issuerError(error, access.issuer, `re-running the ${account.method} grant of ${account.name}`);
    }
  }
  throw new AmplifyError('ENEEDSLOGIN', `${account.name} has no refresh token or stored credential.`);
}

type Rerun = (access: IssuerAccess & { metadata: Record<string, unknown> }, scope: string | undefined, now: number) => Promise<TokenSet>;

/** A service account's own grant, re-run with the credential kept at login; none for people. */
function storedGrant(account: AccountRecord, secrets: AccountSecrets): Rerun | undefined {
  const { clientSecret, privateKey } = secrets;
  const style = account.clientAuth;
  if (account.method === 'client-secret' && clientSecret) return async (access, scope, now) => (await clientSecretGrant({ access, clientSecret, scope, now, style })).tokens;
  if (account.method === 'signed-jwt' && privateKey) return async (access, scope, now) => (await signedJwtGrant({ access, privateKeyPem: privateKey, scope, now, style })).tokens;
  return undefined;
}

/** RFC 7009: revoke each token; resolves to false where the issuer has no endpoint or refused. */
export async function revokeTokens(access: IssuerAccess, secrets: AccountSecrets, account?: Described): Promise<boolean> {
  const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata ?? {}, secrets, account) });
  if (!config.serverMetadata().revocation_endpoint) return false;
  const tokens = [
    ['refresh_token', secrets.refreshToken],
    ['access_token', secrets.accessToken],
  ] as const;
  // Both at once: a hung revocation endpoint costs one request deadline, not one per token.
  const revoked = await Promise.all(
    tokens.map(async ([hint, token]) => {
      if (!token) return true;
      try {
        await oidc.tokenRevocation(config, token, { token_type_hint: hint });
        return true;
      } catch (error) {
        access.ctx.log.debug(`revocation failed: ${(error as Error).message}`);
        return false;
      }
    }),
  );
  return revoked.every(Boolean);
}
