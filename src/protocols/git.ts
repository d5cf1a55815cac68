// git's credential helper protocol (git-credential(1)): the request git writes on stdin, the answer it reads back.
import { decodeHelperInput, normalizeOrigin, utf8ByteLength } from './hosts.js';

export interface GitRequest {
  protocol: string;
  /** `host[:port]` as git sent it; compare `origin`, never this. */
  host: string;
  /** normalizeOrigin(protocol, host): the only form host bindings are matched against. */
  origin: string;
  path?: string;
  username?: string;
  password?: string;
  /** git 2.46+ sends the bearer credential it used (with `authtype`) on erase. */
  credential?: string;
  capabilities: string[];
  wwwauth: string[];
}

export interface GitCredentialAnswer {
  username: string;
  token: string;
  expiresAt: Date | null;
  /** The request carried `capability[]=authtype`, so git (2.46+) can take a bearer credential directly. */
  authtype: boolean;
}

/** Answer to the `capability` action: we can answer with `authtype`/`credential`. */
export const GIT_CAPABILITIES = 'version 0\ncapability authtype\n';

const MAX_INPUT_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 8 * 1024;
const CONTROL = /[\x00-\x1f\x7f]/;
const UNSAFE_IN_ANSWER = /[\r\n\0]/;

interface UrlParts {
  protocol?: string;
  host?: string;
  path?: string;
  username?: string;
  password?: string;
}

/**
 * The request, or null when the helper must answer nothing. Refusing is always safe (git then asks
 * elsewhere), so anything odd is refused: CR and NUL smuggling (CVE-2020-5260, CVE-2024-52006),
 * a protocol other than https (http only to a loopback host) and any host that normalizeOrigin refuses.
 */
export function parseGitRequest(input: string | Uint8Array): GitRequest | null {
  const text = decodeHelperInput(input, MAX_INPUT_BYTES);
  if (text === null || text.includes('\0')) return null;

  let fields: UrlParts = {};
  let capabilities: string[] = [];
  let wwwauth: string[] = [];
  let credential: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') break;
    if (line.includes('\r') || utf8ByteLength(line) > MAX_LINE_BYTES) return null;
    const equals = line.indexOf('=');
    if (equals < 0) return null;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1);
    switch (key) {
      case 'protocol':
      case 'host':
      case 'path':
      case 'username':
      case 'password':
        fields[key] = value;
        break;
      case 'credential':
        credential = value;
        break;
      case 'url': {
        const parts = parseGitUrl(value);
        if (parts === null) return null;
        fields = parts;
        break;
      }
      // git's array convention: an empty value clears what came before.
      case 'capability[]':
        capabilities = value === '' ? [] : [...capabilities, value];
        break;
      case 'wwwauth[]':
        wwwauth = value === '' ? [] : [...wwwauth, value];
        break;
      default:
        // Unknown keys are ignored, as git itself does, so that newer gits keep working.
        break;
    }
  }

  const { protocol, host, path, username, password } = fields;
  if (!protocol || !host) return null;
  const origin = normalizeOrigin(protocol, host);
  if (origin === null) return null;
  return {
    protocol: protocol.toLowerCase(),
    host,
    origin,
    ...(path === undefined ? {} : { path }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(credential === undefined ? {} : { credential }),
    capabilities,
    wwwauth,
  };
}

/** The answer to `get`: a bearer credential where git can take one, else the token as a password. */
export function formatGitCredential(answer: GitCredentialAnswer): string {
  const { username, token, expiresAt, authtype } = answer;
  // The error never quotes the value: it may be the token.
  if (token === '' || UNSAFE_IN_ANSWER.test(token)) throw new RangeError('git credential: the token is empty or contains CR, LF or NUL');
  if (authtype) return `capability[]=authtype\nauthtype=Bearer\ncredential=${token}\nephemeral=1\n`;
  if (UNSAFE_IN_ANSWER.test(username)) throw new RangeError('git credential: the username contains CR, LF or NUL');
  const answerLines = `username=${username}\npassword=${token}\n`;
  if (expiresAt === null) return answerLines;
  const seconds = Math.floor(expiresAt.getTime() / 1000);
  if (!Number.isFinite(seconds)) throw new RangeError('git credential: the expiry is not a valid date');
  return `${answerLines}password_expiry_utc=${seconds}\n`;
}

/** Tells git to stop asking other helpers and the terminal: the bound account needs a new login. */
export function formatGitQuit(): string {
  return 'quit=1\n';
}

/** git's own reading of `url=`: it replaces protocol, host, path, username and password. */
function parseGitUrl(url: string): UrlParts | null {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd <= 0) return null;
  const rest = url.slice(schemeEnd + 3);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.indexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === undefined ? undefined : percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = userinfo === undefined || colon < 0 ? undefined : percentDecode(userinfo.slice(colon + 1));
  // git trims the slashes around the path.
  const rawPath = authorityEnd < 0 ? '' : rest.slice(authorityEnd).replace(/^\/+/, '').replace(/\/+$/, '');
  const path = rawPath === '' ? undefined : percentDecode(rawPath);
  if (username === null || password === null || path === null) return null;
  return {
    protocol: url.slice(0, schemeEnd),
    host: authority.slice(at + 1),
    ...(path === undefined ? {} : { path }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** Decoding is where %0d%0a smuggling happens, so a decoded control character refuses the whole URL. */
function percentDecode(text: string): string | null {
  try {
    const decoded = decodeURIComponent(text);
    return CONTROL.test(decoded) ? null : decoded;
  } catch {
    return null;
  }
}
