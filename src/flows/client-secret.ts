// Service account with a client secret: client_credentials, client_secret_basic (or post, per discovery).
import * as oidc from 'openid-client';
import { registerSecret } from '../log.js';
import { firstSecretStyle, secretClientAuth, withClientAuth, type ClientAuthStyle } from './client-auth.js';
import { issuerConfiguration, issuerError, type IssuerClient } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export interface ClientSecretOptions {
  access: IssuerClient & { metadata: Record<string, unknown> };
  clientSecret: string;
  scope?: string;
  now: number;
  /** The style that worked before (kept with the account): used alone, no retry. */
  style?: ClientAuthStyle | null;
}

export async function clientSecretGrant(options: ClientSecretOptions): Promise<{ tokens: TokenSet; style: ClientAuthStyle }> {
  registerSecret(options.clientSecret);
  const { access } = options;
  const grant = async (style: ClientAuthStyle) => {
    const config = await issuerConfiguration({ ...access, clientAuth: secretClientAuth(style, options.clientSecret) });
    return oidc.clientCredentialsGrant(config, options.scope ? { scope: options.scope } : {});
  };
  try {
    const { value, style } = options.style
      ? { value: await grant(options.style), style: options.style }
      : await withClientAuth(access.ctx, firstSecretStyle(access.metadata), access.metadata, grant);
    return { tokens: toTokenSet(value, options.now), style };
  } catch (error) {
    throw issuerError(error, options.access.issuer, `the client_credentials grant for ${options.access.clientId}`);
  }
}
