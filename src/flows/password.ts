// Username/password: the resource owner password grant (with the client secret too, where given).
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import { registerSecret } from '../log.js';
import { firstSecretStyle, secretClientAuth, withClientAuth, type ClientAuthStyle } from './client-auth.js';
import { issuerConfiguration, issuerError, type IssuerClient } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export interface PasswordOptions {
  access: IssuerClient & { metadata: Record<string, unknown> };
  username: string;
  password: string;
  clientSecret?: string;
  scope: string;
  now: number;
}

/** The tokens, and for a confidential client the style its secret was accepted in. */
export async function passwordGrant(options: PasswordOptions): Promise<{ tokens: TokenSet; style: ClientAuthStyle | null }> {
  registerSecret(options.password);
  registerSecret(options.clientSecret);
  const { access, clientSecret } = options;
  const grant = async (style: ClientAuthStyle | null) => {
    const config = await issuerConfiguration({ ...access, clientAuth: style && clientSecret ? secretClientAuth(style, clientSecret) : oidc.None() });
    return oidc.genericGrantRequest(config, 'password', { username: options.username, password: options.password, scope: options.scope });
  };
  try {
    const { value, style } = clientSecret ? await withClientAuth(access.ctx, firstSecretStyle(access.metadata), access.metadata, grant) : { value: await grant(null), style: null };
    return { tokens: toTokenSet(value, options.now), style };
  } catch (error) {
    const failure = issuerError(error, options.access.issuer, `signing in ${options.username}`);
    // invalid_grant here means the credentials, not an expired session.
    if (failure.code === 'ENEEDSLOGIN') {
      throw new AmplifyError('EAUTH', { issuer: failure.issuer, doing: failure.doing, oauthError: failure.oauthError, fault: `${options.access.issuer} refused the username or password for ${options.username}` });
    }
    throw failure;
  }
}
