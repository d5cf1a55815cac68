// Renewing an account's tokens: the refresh_token grant, or re-running a service account's grant with its stored credential.
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import type { AccountRecord } from '../store/config.js';
import type { AccountSecrets } from '../store/tokens.js';
import { grantOf } from '../grants/index.js';
import { issuerConfiguration, issuerError, type IssuerClient } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export type Described = Pick<AccountRecord, 'method' | 'clientAuth' | 'amplify'>;

/**
 * How this account's client authenticates at the token, introspection and revocation endpoints: its grant's client
 * authentication with what it kept, in the style that worked at login; none for a public client.
 */
export async function clientAuthFor(metadata: Record<string, unknown>, secrets: AccountSecrets, account: Described): Promise<oidc.ClientAuth> {
  return (await grantOf(account.method)?.clientAuth?.(metadata, secrets, account)) ?? oidc.None();
}

export async function renewTokens(
  access: IssuerClient & { metadata: Record<string, unknown> },
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

/** The account's own grant, re-run with the credential kept at login (service accounts); none for people. */
const storedGrant = (account: AccountRecord, secrets: AccountSecrets) => grantOf(account.method)?.rerun?.(account, secrets);

/** RFC 7009: revoke each token; resolves to false where the issuer has no endpoint or refused. */
export async function revokeTokens(access: IssuerClient, secrets: AccountSecrets, account: Described): Promise<boolean> {
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
