// Service account with a client secret: client_credentials, client_secret_basic (or post, per discovery).
import * as oidc from 'openid-client';
import { registerSecret } from '../log.js';
import { issuerConfiguration, issuerError, secretAuth, type IssuerAccess } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export interface ClientSecretOptions {
  access: IssuerAccess & { metadata: Record<string, unknown> };
  clientSecret: string;
  scope?: string;
  now: number;
}

export async function clientSecretGrant(options: ClientSecretOptions): Promise<TokenSet> {
  registerSecret(options.clientSecret);
  const config = await issuerConfiguration({ ...options.access, clientAuth: secretAuth(options.access.metadata, options.clientSecret) });
  try {
    const response = await oidc.clientCredentialsGrant(config, options.scope ? { scope: options.scope } : {});
    return toTokenSet(response, options.now);
  } catch (error) {
    throw issuerError(error, options.access.issuer, `the client_credentials grant for ${options.access.clientId}`);
  }
}
