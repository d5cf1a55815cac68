// TokenSet: what every grant returns, independent of openid-client's response type.
import type * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import { registerSecret } from '../log.js';

// Longer than any token lives; a larger number is a broken or hostile issuer, and past about 275,000 years no Date can hold it.
const MAX_LIFETIME_SECONDS = 10 * 366 * 24 * 3600;

/** A lifetime in seconds from the issuer, or undefined where it gave none; a number that is no usable lifetime is refused. */
function lifetime(field: string, value: unknown): number | undefined {
  // openid-client has checked expires_in's type; a refresh_expires_in that is no number was always ignored.
  if (typeof value !== 'number') return undefined;
  if (Number.isFinite(value) && value >= 0 && value <= MAX_LIFETIME_SECONDS) return value;
  throw new AmplifyError('EISSUER', `the issuer's token answer gives ${field} ${JSON.stringify(String(value))}, not a number of seconds from 0 to 10 years; amplify kept nothing of it (ask the issuer's administrator).`);
}

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
  const expiresIn = lifetime('expires_in', response.expires_in === undefined ? undefined : response.expiresIn());
  // Keycloak (the Amplify Platform's issuer) says how long the refresh token lives; 0 there means "as long as the session".
  const refreshSeconds = lifetime('refresh_expires_in', response.refresh_expires_in);
  const refreshExpiresIn = refreshSeconds === undefined || refreshSeconds === 0 ? undefined : refreshSeconds;
  return {
    accessToken: response.access_token,
    accessExpiresAt: expiresIn === undefined ? null : now + expiresIn * 1000,
    refreshToken: response.refresh_token,
    refreshExpiresAt: refreshExpiresIn === undefined ? null : now + refreshExpiresIn * 1000,
    idToken: response.id_token,
    claims: response.claims() as Record<string, unknown> | undefined,
  };
}
