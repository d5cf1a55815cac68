// How a request to a URL would travel, in words, for `amplify auth doctor`: which proxy (src/net/proxy.ts) and which CA.
import { describeProxy } from '../net/proxy.js';

type Env = Record<string, string | undefined>;

/** "direct (…)" or "through http://***@proxy:3128 (HTTPS_PROXY)", and the CAs trusted for https; never a credential. */
export function describeRoute(target: string, env: Env): string {
  const url = new URL(target);
  const ca = env.NODE_EXTRA_CA_CERTS ? `, trusting the system CAs and NODE_EXTRA_CA_CERTS (${env.NODE_EXTRA_CA_CERTS})` : '';
  const tls = url.protocol === 'https:' ? ca || ', trusting the system CAs' : '';
  return `${describeProxy(url, env)}${tls}`;
}
