// TokenSet: what every grant returns, independent of openid-client's response type.
import type * as oidc from 'openid-client';
import { registerSecret } from '../log.js';

export interface TokenSet {
  accessToken: string;
  /** Epoch milliseconds, null when the issuer did not say. */
  accessExpiresAt: number | null;
  refreshToken?: string;
  refreshExpiresAt: number | null;
  idToken?: string;
  /** Validated ID token claims, where an ID token came back. */
  claims?: Record<string, unknown>;
}

export function toTokenSet(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number): TokenSet {
  registerSecret(response.access_token);
  registerSecret(response.refresh_token);
  registerSecret(response.id_token);
  const expiresIn = response.expiresIn();
  // Keycloak (the Amplify Platform's issuer) says how long the refresh token lives.
  const refreshExpiresIn = typeof response.refresh_expires_in === 'number' && response.refresh_expires_in > 0 ? response.refresh_expires_in : undefined;
  return {
    accessToken: response.access_token,
    accessExpiresAt: expiresIn === undefined ? null : now + expiresIn * 1000,
    refreshToken: response.refresh_token,
    refreshExpiresAt: refreshExpiresIn === undefined ? null : now + refreshExpiresIn * 1000,
    idToken: response.id_token,
    claims: response.claims() as Record<string, unknown> | undefined,
  };
}
