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
async function clientAuthFor(metadata: Record<string, unknown>, secrets: AccountSecrets): Promise<oidc.ClientAuth> {
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
  if (secrets.refreshToken) {
    const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata, secrets) });
    try {
      const response = await oidc.refreshTokenGrant(config, secrets.refreshToken);
      const tokens = toTokenSet(response, now);
      // An issuer that does not rotate sends no new refresh token: keep the one we have.
      return { ...tokens, refreshToken: tokens.refreshToken ?? secrets.refreshToken, refreshExpiresAt: tokens.refreshToken ? tokens.refreshExpiresAt : (secrets.refreshExpiresAt ?? null) };
    } catch (error) {
      throw issuerError(error, access.issuer, `refreshing ${account.name}`);
    }
  }
  if (account.method === 'client-secret' && secrets.clientSecret) {
    return clientSecretGrant({ access, clientSecret: secrets.clientSecret, scope, now });
  }
  if (account.method === 'signed-jwt' && secrets.privateKey) {
    return signedJwtGrant({ access, privateKeyPem: secrets.privateKey, scope, now });
  }
  throw new AmplifyError('ENEEDSLOGIN', `${account.name} has no refresh token or stored credential.`);
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
