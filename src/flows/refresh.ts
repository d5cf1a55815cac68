// Renewing an account's tokens: the refresh_token grant, or re-running a service account's grant with its stored credential.
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import type { AccountRecord } from '../store/config.js';
import type { AccountSecrets } from '../store/tokens.js';
import { clientSecretGrant } from './client-secret.js';
import { issuerConfiguration, issuerError, secretAuth, type IssuerAccess } from './issuer.js';
import { privateKeyJwtAuth, signedJwtGrant } from './signed-jwt.js';
import { toTokenSet, type TokenSet } from './tokens.js';

/** How this account's client authenticates at the token and revocation endpoints. */
export async function clientAuthFor(metadata: Record<string, unknown>, secrets: AccountSecrets): Promise<oidc.ClientAuth> {
  if (secrets.clientSecret) return secretAuth(metadata, secrets.clientSecret);
  if (secrets.privateKey) return privateKeyJwtAuth(secrets.privateKey);
  return oidc.None();
}

export async function renewTokens(
  access: IssuerAccess & { metadata: Record<string, unknown> },
  account: AccountRecord,
  secrets: AccountSecrets,
  now: number,
): Promise<TokenSet> {
  const scope = account.scope || undefined;
  const rerun = storedGrant(account, secrets);
  if (secrets.refreshToken) {
    const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata, secrets) });
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
  if (account.method === 'client-secret' && clientSecret) return (access, scope, now) => clientSecretGrant({ access, clientSecret, scope, now });
  if (account.method === 'signed-jwt' && privateKey) return (access, scope, now) => signedJwtGrant({ access, privateKeyPem: privateKey, scope, now });
  return undefined;
}

/** RFC 7009: revoke each token; resolves to false where the issuer has no endpoint or refused. */
export async function revokeTokens(access: IssuerAccess, secrets: AccountSecrets): Promise<boolean> {
  const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata ?? {}, secrets) });
  if (!config.serverMetadata().revocation_endpoint) return false;
  const tokens = [
    ['refresh_token', secrets.refreshToken],
    ['access_token', secrets.accessToken],
  ] as const;
  let ok = true;
  for (const [hint, token] of tokens) {
    if (!token) continue;
    try {
      await oidc.tokenRevocation(config, token, { token_type_hint: hint });
    } catch (error) {
      access.ctx.log.debug(`revocation failed: ${(error as Error).message}`);
      ok = false;
    }
  }
  return ok;
}
