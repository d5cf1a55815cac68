// Sealing: AES-256-GCM under a 32-byte data key, in exactly the bytes amplify writes (tokens.enc, the refresh journal).
import { AmplifyError } from '../../errors.js';

// node:crypto on first use: only the keyring store needs it, and a cached read from the file store should not pay ~2 ms for it.
export const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');

// Bound into every seal: a file of another format or version cannot be passed off as this one.
const AAD = Buffer.from('amplify-auth tokens v1');
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  version: 1;
  alg: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

/** The exact bytes amplify writes for a seal: reading compares against them, so no byte of the file goes unchecked. */
export function serializeSealed(sealed: Sealed): string {
  const { version, alg, iv, tag, data } = sealed;
  return `${JSON.stringify({ version, alg, iv, tag, data })}\n`;
}

export function seal(key: Buffer, plaintext: string): Sealed {
  // A fresh 96-bit nonce for every write: GCM must never see the same (key, nonce) twice.
  const iv = crypto().randomBytes(IV_BYTES);
  const cipher = crypto().createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { version: 1, alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export const integrityFailure = (file: string, why: string, cause?: unknown): AmplifyError =>
  new AmplifyError(
    'EINTEGRITY',
    `${file} failed its integrity check (${why}): it was changed on disk, damaged, or sealed with another keyring key. amplify left it unchanged and will not write over it: restore it from a backup, or move it away and log in again.`,
    cause === undefined ? {} : { cause },
  );

/** Base64 that decodes to `length` bytes (any length when undefined) and is spelled the one way Node writes it. */
export function canonicalBase64(text: unknown, length?: number): Buffer | null {
  if (typeof text !== 'string') return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  return length === undefined || bytes.length === length ? bytes : null;
}

/** Parses the bytes of tokens.enc, refusing anything but what serializeSealed writes. */
export function parseSealed(bytes: Buffer, file: string): { sealed: Sealed; iv: Buffer; tag: Buffer; data: Buffer } {
  let value: Partial<Sealed>;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Partial<Sealed>;
  } catch {
    throw integrityFailure(file, 'it is not the JSON amplify writes');
  }
  if (typeof value !== 'object' || value === null || value.version !== 1 || value.alg !== 'A256GCM') {
    throw integrityFailure(file, 'unknown format or version');
  }
  const iv = canonicalBase64(value.iv, IV_BYTES);
  const tag = canonicalBase64(value.tag, TAG_BYTES);
  const data = canonicalBase64(value.data);
  if (!iv || !tag || !data) throw integrityFailure(file, 'a field is not what amplify writes');
  const sealed = value as Sealed;
  // Whitespace, key order, duplicate keys, a changed newline: anything the JSON reading forgave.
  if (!Buffer.from(serializeSealed(sealed), 'utf8').equals(bytes)) throw integrityFailure(file, 'it is not byte for byte what amplify writes');
  return { sealed, iv, tag, data };
}

export function unseal(key: Buffer, bytes: Buffer, file: string): string {
  const { iv, tag, data } = parseSealed(bytes, file);
  try {
    const decipher = crypto().createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (error) {
    throw integrityFailure(file, 'its authentication tag does not match', error);
  }
}
