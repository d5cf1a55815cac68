// How a request to a URL would travel, in words, for `amplify auth doctor`: which proxy (from the environment) and which CA.
import { isLoopbackHost } from '../protocols/hosts.js';

type Env = Record<string, string | undefined>;

/** The lowercase name wins, as in curl. */
const fromEnv = (env: Env, name: string): string | undefined => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;

function bypassed(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [name, entryPort] = entry.includes(':') && !entry.includes('::') ? entry.split(':') : [entry, undefined];
      if (entryPort && entryPort !== port) return false;
      const suffix = name!.replace(/^\*?\./, '');
      return host === suffix || host.endsWith(`.${suffix}`);
    });
}

/**
 * The proxy a request to `target` goes through, described (credentials never shown), or "direct". One small function on
 * purpose: the network layer (src/net/proxy.ts, where it exists) is what really picks the proxy; this says in words what
 * the same environment asks for, and is the one place to point at that choice instead.
 */
export function describeRoute(target: string, env: Env): string {
  const url = new URL(target);
  const ca = env.NODE_EXTRA_CA_CERTS ? `, trusting the system CAs and NODE_EXTRA_CA_CERTS (${env.NODE_EXTRA_CA_CERTS})` : '';
  const tls = url.protocol === 'https:' ? ca || ', trusting the system CAs' : '';
  if (isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))) return `direct (loopback is never proxied)${tls}`;
  const proxy = fromEnv(env, url.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (!proxy) return `direct (no ${url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} set)${tls}`;
  if (bypassed(url, fromEnv(env, 'no_proxy'))) return `direct (NO_PROXY matches ${url.hostname})${tls}`;
  let shown = proxy;
  try {
    const parsed = new URL(proxy);
    shown = `${parsed.protocol}//${parsed.username ? '***@' : ''}${parsed.host}`;
  } catch {
    shown = 'an unparsable proxy URL';
  }
  return `through the proxy ${shown}${tls}`;
}
