// What every helper protocol and every host binding must agree on: which text is well-formed and which hosts are the same.
import { isObject } from '../json.js';
import { isIpv4, isLoopbackHost, VISIBLE_ASCII } from '../net/hosts.js';

/** docker's own config key for Docker Hub, whichever of its names the client used. */
export const DOCKER_HUB_REGISTRY = 'https://index.docker.io/v1/';

const DOCKER_HUB_HOSTS = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);
const DEFAULT_PORTS: Readonly<Record<string, string>> = { https: '443', http: '80' };
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Leading zeros are refused so that no two spellings of one port can reach the same binding.
const PORT = /^[1-9][0-9]{0,4}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Authority {
  host: string;
  port?: string;
}

/** `https://host[:port]` (or `http://` for a loopback host), or null when the pair names no host we would ever answer for. */
export function normalizeOrigin(protocol: string, hostWithPort: string): string | null {
  if (!VISIBLE_ASCII.test(protocol) || !VISIBLE_ASCII.test(hostWithPort)) return null;
  const authority = parseAuthority(hostWithPort.toLowerCase());
  return authority === null ? null : originOf(protocol.toLowerCase(), authority);
}

/**
 * docker's registry key: lowercased `host[:port]`, or DOCKER_HUB_REGISTRY for Docker Hub.
 * A scheme and a path may be given (docker passes both forms); the path never matters.
 */
export function normalizeRegistry(input: string): string | null {
  if (input === '' || !VISIBLE_ASCII.test(input)) return null;
  const lower = input.toLowerCase();
  const schemeEnd = lower.indexOf('://');
  const scheme = schemeEnd < 0 ? undefined : lower.slice(0, schemeEnd);
  const rest = schemeEnd < 0 ? lower : lower.slice(schemeEnd + 3);
  const pathStart = rest.search(/[/?#]/);
  const authority = parseAuthority(pathStart < 0 ? rest : rest.slice(0, pathStart));
  if (authority === null) return null;
  // Without a scheme docker speaks https, so 443 is the port that means nothing.
  if (scheme !== undefined && originOf(scheme, authority) === null) return null;
  const port = authority.port === DEFAULT_PORTS[scheme ?? 'https'] ? undefined : authority.port;
  if (port === undefined && DOCKER_HUB_HOSTS.has(authority.host)) return DOCKER_HUB_REGISTRY;
  return port === undefined ? authority.host : `${authority.host}:${port}`;
}

/** Whether two `scheme://host[:port]` origins name the same host; anything malformed matches nothing. */
export function sameOrigin(a: string, b: string): boolean {
  const left = normalizeOriginUrl(a);
  return left !== null && left === normalizeOriginUrl(b);
}

/**
 * Strict UTF-8 text of a helper's stdin, or null when it is too large or not text.
 * A leading BOM is kept so that it spoils the first key instead of being silently dropped.
 */
export function decodeHelperInput(input: string | Uint8Array, maxBytes: number): string | null {
  if (typeof input !== 'string') {
    if (input.byteLength > maxBytes) return null;
    try {
      return utf8.decode(input);
    } catch {
      return null;
    }
  }
  if (input.length > maxBytes || LONE_SURROGATE.test(input)) return null;
  return utf8ByteLength(input) > maxBytes ? null : input;
}

export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Each half of a surrogate pair counts 2, making the pair's 4.
    bytes += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

function normalizeOriginUrl(url: string): string | null {
  const schemeEnd = url.indexOf('://');
  return schemeEnd < 0 ? null : normalizeOrigin(url.slice(0, schemeEnd), url.slice(schemeEnd + 3));
}

function originOf(scheme: string, { host, port }: Authority): string | null {
  if (scheme !== 'https' && !(scheme === 'http' && isLoopbackHost(host))) return null;
  return port === undefined || port === DEFAULT_PORTS[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

/** `host[:port]` of lowercased text; userinfo, paths and anything else are not an authority here. */
function parseAuthority(text: string): Authority | null {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || !isIpv6(text.slice(1, close))) return null;
    host = text.slice(0, close + 1);
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    if (!isHostname(host)) return null;
  }
  if (rest === '') return { host };
  const port = rest.slice(1);
  if (!rest.startsWith(':') || !PORT.test(port) || Number(port) > 65535) return null;
  return { host, port };
}

// A trailing dot is refused rather than stripped: the binding must be spelled the way the client spells the host.
function isHostname(host: string): boolean {
  return host.length > 0 && host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

function isIpv6(address: string): boolean {
  const lastColon = address.lastIndexOf(':');
  if (lastColon < 0) return false;
  const tail = address.slice(lastColon + 1);
  // An embedded IPv4 address stands for the last two groups.
  let groups = address;
  if (tail.includes('.')) {
    if (!isIpv4(tail)) return false;
    groups = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parts = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!parts.every((part) => HEX_GROUP.test(part))) return false;
  return halves.length === 2 ? parts.length <= 7 : parts.length === 8;
}

/** A helper's stdin as one JSON object (docker's and Terraform's `store`); null when it is anything else. */
export function decodeJsonObject(input: string | Uint8Array, maxBytes: number): Record<string, unknown> | null {
  const text = decodeHelperInput(input, maxBytes);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isObject(value) ? value : null;
}
