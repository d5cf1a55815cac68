// npm's and pnpm's per-registry key: the `//host/path/` that .npmrc settings and npm_config_ variables are named by.
import { usageError } from '../errors.js';
import { isLoopbackHost } from '../net/hosts.js';

/** The `//host/path/` key npm uses for per-registry settings in .npmrc; a usage error where `target` is no registry URL. */
export function npmRegistryKey(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw usageError(`--registry "${target}" is not a URL; for example https://registry.example.com/npm/.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw usageError(`--registry "${target}" must use https:// (http:// only for loopback hosts).`);
  }
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `//${url.host}${path}`;
}

/** The variable that sets a registry's token for npm (npm reads per-registry settings from npm_config_ variables). */
export const npmTokenVariable = (key: string): string => `npm_config_${key}:_authToken`;

/** What `amplify credential npm` prints: the token, or `Bearer <token>` (pnpm 10 sends a token helper's stdout verbatim). */
export const formatNpmToken = (token: string, bearer: boolean): string => `${bearer ? `Bearer ${token}` : token}\n`;
