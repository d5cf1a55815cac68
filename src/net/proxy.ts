// Which proxy a request goes through (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read as curl reads them), and the agent that takes it there.
//
// The tunnel itself is https-proxy-agent (CONNECT) and http-proxy-agent, the agents npm's own client uses. The
// choice of proxy is written here rather than taken from proxy-from-env, which differs from curl where a user
// notices: it reads only process.env (not the injected environment), `example.com` in NO_PROXY does not cover
// its subdomains, `.example.com` does not cover example.com itself, IPv6 entries never match, and it has no
// notion of loopback. This file is loaded with the HTTP client only, and the agents only when a proxy is chosen.
import type { Agent } from 'node:http';
import { registerSecret } from '../log.js';
import { isLoopbackHost } from './hosts.js';

type Env = Record<string, string | undefined>;

/** curl's rule: the lowercase name wins, even when it is set to nothing (which turns the proxy off). */
function envVar(env: Env, name: string): string {
  return env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? '';
}

/** Host names as URL.hostname gives them ([::1] for IPv6), lowercased, without brackets or a trailing dot. */
function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

const net = (): typeof import('node:net') => process.getBuiltinModule('node:net');

const defaultPort = (url: URL): number => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);

/** An IPv4 or IPv6 address in CIDR notation covers host (curl reads `10.0.0.0/8` and `fd00::/8` too). */
function inCidr(host: string, entry: string): boolean {
  const [base = '', bits = ''] = entry.split('/');
  const family = ({ 4: 'ipv4', 6: 'ipv6' } as const)[net().isIP(base) as 4 | 6];
  if (!family || net().isIP(host) !== net().isIP(base) || !/^\d+$/.test(bits)) return false;
  const list = new (net().BlockList)();
  try {
    list.addSubnet(base, Number(bits), family);
  } catch {
    return false;
  }
  return list.check(host, family);
}

/** One NO_PROXY entry split into host and port: `host`, `host:port`, `[v6]:port`, a bare IPv6 address. */
function parseEntry(entry: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  // More than one colon and no brackets: an IPv6 address, never host:port.
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return { host: entry };
}

/** The NO_PROXY entry that sends this URL direct, if any (curl's forms: names, domain suffixes, IPs, CIDR, host:port, `*`). */
export function noProxyMatch(url: URL, noProxy: string): string | undefined {
  const host = bareHost(url.hostname);
  const port = defaultPort(url);
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return entry;
    const parsed = parseEntry(entry);
    if (parsed.port !== undefined && parsed.port !== port) continue;
    // `*.example.com` and `.example.com` both mean example.com and everything below it, as `example.com` does.
    const name = bareHost(parsed.host).replace(/^\*?\./, '');
    if (!name) continue;
    if (name.includes('/')) {
      if (inCidr(host, name)) return raw.trim();
      continue;
    }
    // A domain covers the names below it; an address covers only itself.
    if (host === name || (net().isIP(host) === 0 && host.endsWith(`.${name}`))) return raw.trim();
  }
  return undefined;
}

export interface ProxyChoice {
  /** The proxy's URL, credentials included (never print this: see describeProxy). */
  proxy?: URL;
  /** Why: the variable that named the proxy, or why the request goes direct. */
  reason: string;
}

/** The proxy a request to url goes through, from the environment, or none and why. */
export function chooseProxy(url: URL, env: Env): ProxyChoice {
  if (isLoopbackHost(bareHost(url.hostname))) return { reason: 'loopback is never proxied' };
  const variable = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
  const value = envVar(env, variable).trim();
  if (!value) return { reason: `no ${variable.toUpperCase()} set` };
  const skip = noProxyMatch(url, envVar(env, 'no_proxy'));
  if (skip !== undefined) return { reason: `NO_PROXY names ${skip}` };
  let proxy: URL;
  try {
    // As curl: a proxy without a scheme is an http one.
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new TypeError(`${variable.toUpperCase()} is not a URL: ${maskedProxy(value)}`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new TypeError(`${variable.toUpperCase()} names a ${proxy.protocol.slice(0, -1)} proxy; amplify speaks to http and https proxies only`);
  }
  return { proxy, reason: variable.toUpperCase() };
}

/** A proxy URL with its password (and any user name) replaced, for messages and diagnostics. */
function maskedProxy(value: string | URL): string {
  if (typeof value === 'string') {
    // Text that is no URL: everything up to the last @ may be credentials (a password with an unencoded / or @ in it).
    const at = value.lastIndexOf('@');
    if (at < 0) return value;
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
    return `${scheme}***@${value.slice(at + 1)}`;
  }
  const copy = new URL(value.href);
  if (copy.username || copy.password) {
    copy.username = copy.username ? '***' : '';
    copy.password = '';
  }
  return copy.href.replace(/\/$/, '');
}

/** One line for diagnostics (doctor, AMPLIFY_DEBUG): which proxy url goes through, credentials masked. */
export function describeProxy(url: string | URL, env: Env): string {
  const target = new URL(String(url));
  try {
    const choice = chooseProxy(target, env);
    return choice.proxy ? `through ${maskedProxy(choice.proxy)} (${choice.reason})` : `direct (${choice.reason})`;
  } catch (error) {
    return `no request possible: ${(error as Error).message}`;
  }
}

/**
 * The agent for a request to url: undefined to go direct, else a proxy agent (CONNECT for https). The
 * credentials travel as a Proxy-Authorization header rather than in the agent's URL, which the agents
 * print when DEBUG names them. Node's https verifies the issuer's certificate through the tunnel as it
 * does direct, against the CAs it trusts (NODE_EXTRA_CA_CERTS included). signal destroys the connection to
 * the proxy: the agents keep no handle on it while CONNECT is unanswered, and a hung proxy would otherwise
 * hold the process open after the request has given up.
 */
export async function proxyAgent(url: URL, env: Env, signal?: AbortSignal): Promise<Agent | undefined> {
  const { proxy } = chooseProxy(url, env);
  if (!proxy) return undefined;
  const headers: Record<string, string> = {};
  if (proxy.username || proxy.password) {
    const password = decodeURIComponent(proxy.password);
    const encoded = Buffer.from(`${decodeURIComponent(proxy.username)}:${password}`).toString('base64');
    // Masked wherever anything is logged, in case an error quotes it.
    registerSecret(password);
    registerSecret(encoded);
    headers['Proxy-Authorization'] = `Basic ${encoded}`;
  }
  const bare = new URL(proxy.href);
  bare.username = '';
  bare.password = '';
  if (url.protocol === 'https:') {
    const { HttpsProxyAgent } = commonJs(await import('https-proxy-agent'));
    return new HttpsProxyAgent(bare, { headers, ...(signal ? { signal } : {}) });
  }
  const { HttpProxyAgent } = commonJs(await import('http-proxy-agent'));
  return new HttpProxyAgent(bare, { headers, ...(signal ? { signal } : {}) });
}

/** A CommonJS package's exports: in the split bundle only its default export (module.exports) is there. */
function commonJs<T>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

/** The error for a proxy that refused to carry a request (the CONNECT answer, or 407 to a plain request). */
export function proxyRefusal(url: URL, env: Env, status: number, statusText: string): Error {
  const { proxy } = chooseProxy(url, env);
  const where = proxy ? maskedProxy(proxy) : 'the proxy';
  const hint = status === 407 ? '; check the user name and password in the proxy URL' : '';
  return new Error(`the proxy ${where} answered ${status}${statusText ? ` ${statusText}` : ''} for ${url.host}${hint}`);
}
