// Service account with a signed JWT: client_credentials with private_key_jwt; the alg follows the PEM key.
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as oidc from 'openid-client';
import { AmplifyError, errnoCode } from '../errors.js';
import { registerSecret } from '../log.js';
import { firstJwtStyle, jwkThumbprint, jwtClientAuth, withClientAuth, type ClientAuthStyle } from './client-auth.js';
import { issuerConfiguration, issuerError, type IssuerClient } from './issuer.js';
import { toTokenSet, type TokenSet } from './tokens.js';

const CURVES: Record<string, { alg: string; namedCurve: string; hash: string }> = {
  prime256v1: { alg: 'ES256', namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { alg: 'ES384', namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { alg: 'ES512', namedCurve: 'P-521', hash: 'SHA-512' },
};

/** Reads the PEM file named by --secret-file; every failure names the file and what to do. */
export async function readPrivateKeyFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new AmplifyError('EKEYFILE', `cannot read --secret-file ${path}: ${why}.`);
  }
  registerSecret(pem.trim());
  parsePrivateKey(pem, path);
  return pem;
}

export function parsePrivateKey(pem: string, origin: string): { key: KeyObject; alg: string } {
  if (/ENCRYPTED/.test(pem)) {
    throw new AmplifyError('EKEYFILE', `${origin} holds an encrypted private key; amplify needs it unencrypted (openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem).`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new AmplifyError('EKEYFILE', `${origin} is not a PEM private key (RSA or EC) amplify can read.`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (curve) return { key, alg: curve.alg };
  }
  throw new AmplifyError('EKEYFILE', `${origin} holds a ${key.asymmetricKeyType ?? 'unknown'} key; use an RSA key or an EC key on P-256, P-384 or P-521.`);
}

async function toCryptoKey(key: KeyObject, alg: string): Promise<webcrypto.CryptoKey> {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const algorithm =
    alg === 'RS256'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: Object.values(CURVES).find((c) => c.alg === alg)!.namedCurve };
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

export interface SignedJwtOptions {
  access: IssuerClient & { metadata: Record<string, unknown> };
  privateKeyPem: string;
  scope?: string;
  now: number;
  /** The style that worked before (kept with the account): used alone, no retry. */
  style?: ClientAuthStyle | null;
}

/** private_key_jwt client authentication from a PEM key: a fresh signed assertion per request, `aud` and `kid` as the style says. */
export async function privateKeyJwtAuth(privateKeyPem: string, style: ClientAuthStyle, metadata: Record<string, unknown>): Promise<oidc.ClientAuth> {
  registerSecret(privateKeyPem.trim());
  const { key, alg } = parsePrivateKey(privateKeyPem, 'the stored private key');
  const jwtStyle = style.method === 'private_key_jwt' ? style : firstJwtStyle(false);
  return jwtClientAuth(jwtStyle as ClientAuthStyle & { method: 'private_key_jwt' }, await toCryptoKey(key, alg), jwkThumbprint(key), metadata);
}

export async function signedJwtGrant(options: SignedJwtOptions): Promise<{ tokens: TokenSet; style: ClientAuthStyle }> {
  const { access } = options;
  const grant = async (style: ClientAuthStyle) => {
    const config = await issuerConfiguration({ ...access, clientAuth: await privateKeyJwtAuth(options.privateKeyPem, style, access.metadata) });
    return oidc.clientCredentialsGrant(config, options.scope ? { scope: options.scope } : {});
  };
  try {
    const { value, style } = options.style
      ? { value: await grant(options.style), style: options.style }
      : await withClientAuth(access.ctx, firstJwtStyle(access.amplify ?? false), access.metadata, grant);
    return { tokens: toTokenSet(value, options.now), style };
  } catch (error) {
    throw issuerError(error, access.issuer, `the client_credentials grant (private_key_jwt) for ${access.clientId}`);
  }
}
