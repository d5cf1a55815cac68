// What a host name is, for every floor that must tell (the issuer, the proxy choice, the helper protocols): loopback or not.

// Checked before any case folding: toLowerCase maps some non-ASCII letters (U+212A KELVIN SIGN) onto ASCII ones.
export const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const IPV4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

export function isLoopbackHost(hostname: string): boolean {
  if (!VISIBLE_ASCII.test(hostname)) return false;
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIpv4(host) && host.startsWith('127.');
}

export function isIpv4(host: string): boolean {
  const octets = IPV4.exec(host);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}
