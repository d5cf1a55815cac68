// How a confidential client authenticates at the token endpoint, and the one retry for issuers that bend the rules.
import { createHash, createPublicKey, webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Context } from '../context.js';
import type { ClientAuthStyle } from '../store/config.js';

export type { ClientAuthStyle } from '../store/config.js';

const listed = (metadata: Record<string, unknown>, method: string): boolean => {
  const methods = metadata.token_endpoint_auth_methods_supported;
  return Array.isArray(methods) && methods.includes(method);
};

/** client_secret_basic where the issuer lists it (or lists nothing), else client_secret_post. */
export function firstSecretStyle(metadata: Record<string, unknown>): ClientAuthStyle {
  const methods = metadata.token_endpoint_auth_methods_supported;
  if (Array.isArray(methods) && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) return { method: 'client_secret_post' };
  return { method: 'client_secret_basic' };
}

/**
 * An Amplify deployment: `aud` = the token endpoint and no `kid`, as the platform's own CLI sends (its Keycloak
 * matches a `kid` exactly against the one it stored, which is no thumbprint). Elsewhere openid-client's default,
 * the issuer as `aud` (RFC 7523bis).
 */
export const firstJwtStyle = (amplify: boolean): ClientAuthStyle => ({ method: 'private_key_jwt', aud: amplify ? 'token_endpoint' : 'issuer', kid: false });

/** The HTTP status and OAuth error code of a refused token request, wherever openid-client put them. */
export function refusalOf(error: unknown): { status?: number; error?: string } {
  const e = error as { status?: unknown; error?: unknown; cause?: unknown } | undefined;
  const challenge = Array.isArray(e?.cause) ? (e.cause[0] as { parameters?: { error?: string } } | undefined)?.parameters?.error : undefined;
  const response = e?.cause instanceof Response ? e.cause : undefined;
  return {
    status: typeof e?.status === 'number' ? e.status : response?.status,
    error: typeof e?.error === 'string' ? e.error : challenge,
  };
}

const clientRefused = (error: unknown): boolean => {
  const { status, error: code } = refusalOf(error);
  return status === 401 || code === 'invalid_client' || code === 'unauthorized_client';
};

/**
 * The one other style worth a try after `style` was refused, as golang.org/x/oauth2's auth-style detection does:
 * Basic → post where the issuer lists post (RFC 6749 §2.3.1 form-encodes the Basic credentials, which some servers
 * do not decode); a JWT for the issuer → one for the token endpoint, with the key's RFC 7638 thumbprint as `kid`.
 */
export function fallbackStyle(style: ClientAuthStyle, metadata: Record<string, unknown>, error: unknown): ClientAuthStyle | undefined {
  if (!clientRefused(error)) return undefined;
  if (style.method === 'client_secret_basic' && listed(metadata, 'client_secret_post')) return { method: 'client_secret_post' };
  if (style.method === 'private_key_jwt' && style.aud === 'issuer') return { method: 'private_key_jwt', aud: 'token_endpoint', kid: true };
  return undefined;
}

export function secretClientAuth(style: ClientAuthStyle, secret: string): oidc.ClientAuth {
  return style.method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
}

/** RFC 7638: the SHA-256 of the public key's required members, in lexicographic order. */
export function jwkThumbprint(key: Parameters<typeof createPublicKey>[0]): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function jwtClientAuth(style: ClientAuthStyle & { method: 'private_key_jwt' }, key: webcrypto.CryptoKey, kid: string, metadata: Record<string, unknown>): oidc.ClientAuth {
  const tokenEndpoint = typeof metadata.token_endpoint === 'string' ? metadata.token_endpoint : undefined;
  return oidc.PrivateKeyJwt(style.kid ? { key: key as oidc.CryptoKey, kid } : (key as oidc.CryptoKey), {
    [oidc.modifyAssertion]: (_header, payload) => {
      if (style.aud === 'token_endpoint' && tokenEndpoint) payload.aud = tokenEndpoint;
    },
  });
}

/**
 * Runs a token request with `first`, and where that style is refused and another is worth a try, once more with it.
 * Resolves with the answer and the style that got it (to keep with the account).
 */
export async function withClientAuth<T>(
  ctx: Pick<Context, 'log'>,
  first: ClientAuthStyle,
  metadata: Record<string, unknown>,
  run: (style: ClientAuthStyle) => Promise<T>,
): Promise<{ value: T; style: ClientAuthStyle }> {
  try {
    return { value: await run(first), style: first };
  } catch (error) {
    const next = fallbackStyle(first, metadata, error);
    if (!next) throw error;
    ctx.log.debug(`token endpoint refused ${describeStyle(first)}; trying ${describeStyle(next)}`);
    return { value: await run(next), style: next };
  }
}

export const describeStyle = (style: ClientAuthStyle): string =>
  style.method === 'private_key_jwt' ? `private_key_jwt (aud ${style.aud === 'issuer' ? 'the issuer' : 'the token endpoint'}${style.kid ? ', kid' : ''})` : style.method;
