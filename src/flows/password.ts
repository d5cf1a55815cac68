// Username/password: the resource owner password grant (with the client secret too, where given).
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import { registerSecret } from '../log.js';
import { issuerConfiguration, issuerError, secretAuth, type IssuerAccess } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export interface PasswordOptions {
  access: IssuerAccess & { metadata: Record<string, unknown> };
  username: string;
  password: string;
  clientSecret?: string;
  scope: string;
  now: number;
}

export async function passwordGrant(options: PasswordOptions): Promise<TokenSet> {
  registerSecret(options.password);
  registerSecret(options.clientSecret);
  const clientAuth = options.clientSecret ? secretAuth(options.access.metadata, options.clientSecret) : oidc.None();
  const config = await issuerConfiguration({ ...options.access, clientAuth });
  try {
    const response = await oidc.genericGrantRequest(config, 'password', { username: options.username, password: options.password, scope: options.scope });
    return toTokenSet(response, options.now);
  } catch (error) {
    const failure = issuerError(error, options.access.issuer, `signing in ${options.username}`);
    // invalid_grant here means the credentials, not an expired session.
    if (failure.code === 'ENEEDSLOGIN') throw new AmplifyError('EAUTH', `${options.access.issuer} refused the username or password for ${options.username}.`);
    throw failure;
  }
}
