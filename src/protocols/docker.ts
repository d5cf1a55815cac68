// docker-credential-helpers protocol: a server URL or a JSON credential on stdin, JSON or a fixed message on stdout.
import { decodeHelperInput, decodeJsonObject, normalizeRegistry } from './hosts.js';

/** docker's clients recognise exactly this text as "no credential" (credentials.errCredentialsNotFound). */
export const DOCKER_NOT_FOUND = 'credentials not found in native keychain';

export interface DockerCredential {
  ServerURL: string;
  Username: string;
  Secret: string;
}

const MAX_SERVER_URL_BYTES = 8 * 1024;
const MAX_STORE_BYTES = 64 * 1024;
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * The server URL of `get` or `erase`, as sent: docker keys its answers by the exact string, so it is
 * returned untouched, and only accepted when normalizeRegistry can say which registry it names.
 */
export function parseServerUrl(input: string | Uint8Array): string | null {
  const text = decodeHelperInput(input, MAX_SERVER_URL_BYTES);
  if (text === null) return null;
  // `echo host | docker-credential-amplify get` adds a newline (CRLF on Windows); docker itself sends none.
  const serverUrl = text.replace(/\r?\n$/, '').replace(/^[ \t]+|[ \t]+$/g, '');
  if (serverUrl === '' || CONTROL.test(serverUrl)) return null;
  return normalizeRegistry(serverUrl) === null ? null : serverUrl;
}

/** The credential of `store`; one for a registry that normalizeRegistry refuses could never be asked for again. */
export function parseDockerStore(input: string | Uint8Array): DockerCredential | null {
  const value = decodeJsonObject(input, MAX_STORE_BYTES);
  if (value === null) return null;
  const { ServerURL, Username, Secret } = value;
  if (typeof ServerURL !== 'string' || typeof Username !== 'string' || typeof Secret !== 'string') return null;
  if (normalizeRegistry(ServerURL) === null) return null;
  return { ServerURL, Username, Secret };
}

export function formatDockerCredential(credential: DockerCredential): string {
  const { ServerURL, Username, Secret } = credential;
  return `${JSON.stringify({ ServerURL, Username, Secret })}\n`;
}

export function formatDockerList(entries: Readonly<Record<string, string>>): string {
  return `${JSON.stringify(entries)}\n`;
}
