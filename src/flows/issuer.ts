// Issuer discovery (cached in config.json) and the openid-client Configuration every grant runs over.
import * as oidc from 'openid-client';
import type { Context } from '../context.js';
import { AmplifyError, grantRefused } from '../errors.js';
import { printable } from '../log.js';
import { isLoopbackHost } from '../net/hosts.js';
import type { EnvName } from '../store/config.js';

export const DEFAULT_CLIENT_ID = 'amplify-cli';
/** Any OIDC issuer: a refresh token needs `offline_access` (OIDC Core §11). */
export const DEFAULT_SCOPE = 'openid offline_access';
/** An Amplify deployment: what the platform's own CLI asks for (its Keycloak refuses `offline_access` for amplify-cli). */
export const AMPLIFY_SCOPE = 'openid';
export const DEFAULT_REALM = 'Broker';
const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';

export const ENVIRONMENTS: Record<EnvName, { issuer: string; platformUrl: string }> = {
  prod: { issuer: 'https://login.axway.com/auth/realms/Broker', platformUrl: 'https://platform.axway.com' },
  staging: { issuer: 'https://login.axwaytest.net/auth/realms/Broker', platformUrl: 'https://platform.axwaytest.net' },
  preprod: { issuer: 'https://login.na-us.axwaypreprod.net/auth/realms/Broker', platformUrl: 'https://platform.na-us.axwaypreprod.net' },
};

export interface IssuerChoice {
  issuer: string;
  platformUrl: string | null;
  env: EnvName | null;
  /** An Amplify Platform deployment (`--env`, `--base-url`): its login service's rules apply (see SPEC). */
  amplify: boolean;
  /** A pasted discovery URL: read it as given; the issuer is then the one it names. */
  discoveryUrl?: string;
}

/** http:// only for loopback; anything else must be https. */
export function checkServerUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AmplifyError('EUSAGE', `${what} "${value}" is not a URL; give an https:// URL.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new AmplifyError('EUSAGE', `${what} "${value}" must use https:// (plain http:// is accepted only for loopback hosts).`);
}

const withoutSlash = (url: URL): string => url.href.replace(/\/$/, '');

export function chooseIssuer(options: { env?: string; issuer?: string; baseUrl?: string; realm?: string; platformUrl?: string }): IssuerChoice {
  const given = [options.env !== undefined && '--env', options.issuer !== undefined && '--issuer', options.baseUrl !== undefined && '--base-url'].filter(Boolean);
  if (given.length > 1) throw new AmplifyError('EUSAGE', `${given.join(' and ')} each name the issuer; give one.`);
  if (options.realm !== undefined && options.baseUrl === undefined) throw new AmplifyError('EUSAGE', '--realm names a realm of the deployment at --base-url; give --base-url too.');
  const platformUrl = (fallback: string | null) => (options.platformUrl === undefined ? fallback : withoutSlash(checkServerUrl(options.platformUrl, '--platform-url')));
  if (options.issuer !== undefined) {
    const url = checkServerUrl(options.issuer, '--issuer');
    url.search = '';
    url.hash = '';
    const discoveryUrl = url.pathname.endsWith(DISCOVERY_SUFFIX) ? url.href : undefined;
    if (discoveryUrl) url.pathname = url.pathname.slice(0, -DISCOVERY_SUFFIX.length);
    return { issuer: withoutSlash(url), platformUrl: platformUrl(null), env: null, amplify: false, ...(discoveryUrl ? { discoveryUrl } : {}) };
  }
  if (options.baseUrl !== undefined) {
    const base = checkServerUrl(options.baseUrl, '--base-url');
    const realm = options.realm ?? DEFAULT_REALM;
    if (!/^[\w.-]+$/.test(realm)) throw new AmplifyError('EUSAGE', `--realm "${realm}" is not a realm name (letters, digits, ".", "_" and "-").`);
    const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    // The deployment serves its platform API at the same address, unless --platform-url says otherwise.
    return { issuer: `${root}/auth/realms/${realm}`, platformUrl: platformUrl(root), env: null, amplify: true };
  }
  const env = (options.env ?? 'prod') as EnvName;
  const known = ENVIRONMENTS[env];
  if (!known) throw new AmplifyError('EUSAGE', `--env "${options.env}" is not one of prod, staging, preprod.`);
  return { issuer: known.issuer, platformUrl: platformUrl(known.platformUrl), env, amplify: true };
}

/** The issuer a discovery document names, checked as --issuer is: what the account stores (one account per issuer). */
export function discoveredIssuer(metadata: Record<string, unknown>, source: string): string {
  if (typeof metadata.issuer !== 'string') throw new AmplifyError('EISSUER', `the discovery document at ${source} names no issuer.`);
  checkServerUrl(metadata.issuer, `the issuer named by ${source}`);
  // As written there: ID tokens name it so, and a later discovery checks it so.
  return metadata.issuer;
}

/** Two spellings of one issuer (a trailing slash apart). */
export const sameIssuer = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export interface IssuerClient {
  /** `now` is the clock compared with the issuer's Date header (Date.now where not given, as openid-client's is). */
  ctx: Pick<Context, 'fetch' | 'log'> & Partial<Pick<Context, 'now'>>;
  issuer: string;
  clientId: string;
  clientAuth?: oidc.ClientAuth;
  clientMetadata?: Partial<oidc.ClientMetadata>;
  /** An Amplify Platform deployment (see chooseIssuer). */
  amplify?: boolean;
  /** A discovery document cached earlier: skips the discovery round trip. */
  metadata?: Record<string, unknown>;
}

/**
 * openid-client reports a 5xx without an OAuth error body as "unexpected HTTP response status code" with the
 * Response as its cause: that is the issuer failing (try again), not a refusal.
 */
function serverStatus(error: unknown): number | undefined {
  let cause: unknown = error;
  for (let depth = 0; depth < 3 && cause; depth += 1) {
    if (cause instanceof Response) return cause.status >= 500 ? cause.status : undefined;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The 4xx status of an answer that carried no OAuth error body (a gateway's page, an empty 401), else undefined. */
function bareRefusal(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (!(cause instanceof Response) || cause.status < 400 || cause.status >= 500) return undefined;
  return typeof (error as { error?: unknown }).error === 'string' ? undefined : cause.status;
}

/** Seconds the local clock is ahead of each issuer's (negative: behind), from the Date header of its latest answer. */
const clockOffsets = new Map<string, number>();
// Past this a signed-JWT assertion or an ID token may be refused for the clock alone (the SPEC's 60 s).
const CLOCK_TOLERANCE_SECONDS = 60;

function noteClock(issuer: string, response: Response, now: number): void {
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isFinite(date)) clockOffsets.set(issuer, Math.round((now - date) / 1000));
}

/**
 * "The clock here is N s ahead of …", a sentence said after with a refusal where the issuer's clock differs from ours by more than
 * 60 s, since signed-JWT assertions and ID tokens carry times that the other side checks against its own clock.
 */
function clockNote(issuer: string): string | undefined {
  const offset = clockOffsets.get(issuer);
  if (offset === undefined || Math.abs(offset) <= CLOCK_TOLERANCE_SECONDS) return undefined;
  return `The clock here is ${Math.abs(offset)} s ${offset > 0 ? 'ahead of' : 'behind'} the issuer's (its Date header), which alone can cause this refusal: set the clock right (turn on NTP, e.g. \`timedatectl set-ntp true\`) and try again`;
}

/** An issuer's own words (error, error_description) as they may be printed: a non-empty string without control characters, or undefined. */
export function issuerText(value: unknown): string | undefined {
  const text = typeof value === 'string' ? printable(value) : '';
  return text === '' ? undefined : text;
}

/** " (error_description)", or nothing where the issuer gave none. */
export const issuerDetail = (error: unknown): string => {
  const text = issuerText((error as { error_description?: unknown } | null)?.error_description);
  return text === undefined ? '' : ` (${text})`;
};

/** Turns openid-client and network failures into one clear line naming the issuer, in its parts. */
export function issuerError(error: unknown, issuer: string, doing: string): AmplifyError {
  if (error instanceof AmplifyError) return error;
  const about = { issuer, doing };
  const status = serverStatus(error);
  if (status !== undefined) return new AmplifyError('ENETWORK', { ...about, fault: `${issuer} failed with HTTP ${status} while ${doing}`, hint: 'try again later' }, { cause: error });
  const bare = bareRefusal(error);
  if (bare !== undefined) {
    return new AmplifyError(
      'EAUTH',
      { ...about, fault: `${issuer} refused ${doing} with HTTP ${bare} and no OAuth error in its answer`, hint: "check the client's credentials, --scope, and the client's registration at the issuer (grant types, redirect URIs, authentication method)" },
      { cause: error },
    );
  }
  const raw = error as { code?: string; error?: string; error_description?: string; message?: string; cause?: unknown; status?: number };
  // A 401 with a WWW-Authenticate challenge carries the OAuth error in the challenge's parameters.
  const challenge = Array.isArray(raw.cause) ? (raw.cause[0] as { parameters?: { error?: string; error_description?: string } } | undefined)?.parameters : undefined;
  const e = challenge?.error ? { ...raw, error: challenge.error, error_description: challenge.error_description, message: raw.message, cause: undefined } : raw;
  // Everything the issuer wrote is printed without control characters (an ESC sequence could rewrite the terminal).
  // Read apart from e: an Error's message and cause are not enumerable, so a spread copy would lose them.
  const said = { error: issuerText(e.error), error_description: issuerText(e.error_description), message: issuerText(e.message) };
  const detail = said.error_description === undefined ? '' : ` (${said.error_description})`;
  const note = clockNote(issuer);
  if (typeof said.error === 'string') {
    const refusal = { ...about, note, oauthError: { error: said.error, description: said.error_description } };
    if (said.error === 'invalid_grant') {
      return new AmplifyError('ENEEDSLOGIN', { ...refusal, fault: grantRefused(issuer, said.error_description, doing) }, { cause: error });
    }
    if (said.error === 'invalid_client' || said.error === 'unauthorized_client' || said.error === 'invalid_scope' || said.error === 'access_denied') {
      return new AmplifyError('EAUTH', { ...refusal, fault: `${issuer} refused ${doing}: ${said.error}${detail}` }, { cause: error });
    }
    return new AmplifyError('EISSUER', { ...refusal, fault: `${issuer} answered ${said.error}${detail} while ${doing}` }, { cause: error });
  }
  const cause = e.cause as { code?: string; message?: string } | undefined;
  if (e.message === 'fetch failed' || cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND' || cause?.code === 'ETIMEDOUT' || e.code === 'ETIMEDOUT' || e.code === 'OAUTH_TIMEOUT') {
    return new AmplifyError('ENETWORK', { ...about, fault: `cannot reach ${issuer} while ${doing} (${cause?.code ?? cause?.message ?? e.message})`, hint: 'check the network and the issuer URL' }, { cause: error });
  }
  if (typeof e.status === 'number' && e.status >= 500) {
    return new AmplifyError('ENETWORK', { ...about, fault: `${issuer} failed with HTTP ${e.status} while ${doing}`, hint: 'try again later' }, { cause: error });
  }
  // openid-client's own word for a check that failed ("invalid response encountered") carries the check itself as its cause.
  const check = typeof raw.code === 'string' && raw.code.startsWith('OAUTH_') && raw.cause instanceof Error ? issuerText(raw.cause.message) : undefined;
  const what = check === undefined ? (said.message ?? printable(String(error))) : `${said.message}: ${check}`;
  return new AmplifyError('EISSUER', { ...about, note, fault: `${issuer} gave an unexpected answer while ${doing}: ${what}` }, { cause: error });
}

export async function issuerConfiguration(access: IssuerClient): Promise<oidc.Configuration> {
  const { ctx, issuer, clientId } = access;
  const loopback = isLoopbackHost(new URL(issuer).hostname);
  const customFetch: oidc.CustomFetch = async (url, options) => {
    ctx.log.debug(`${options.method} ${url}`);
    const response = await ctx.fetch(url, options as RequestInit);
    noteClock(issuer, response, (ctx.now ?? Date.now)());
    return response;
  };
  let config: oidc.Configuration;
  if (access.metadata) {
    config = new oidc.Configuration(access.metadata as unknown as oidc.ServerMetadata, clientId, access.clientMetadata, access.clientAuth);
    config[oidc.customFetch] = customFetch;
    if (loopback) oidc.allowInsecureRequests(config);
  } else {
    try {
      config = await oidc.discovery(new URL(issuer), clientId, access.clientMetadata, access.clientAuth, {
        [oidc.customFetch]: customFetch,
        execute: loopback ? [oidc.allowInsecureRequests] : [],
        timeout: 30,
      });
    } catch (error) {
      throw issuerError(error, issuer, 'reading its discovery document');
    }
  }
  // allowInsecureRequests covers every endpoint of a loopback issuer: none may send us elsewhere over plain http.
  if (loopback) checkEndpoints(config.serverMetadata() as unknown as Record<string, unknown>, issuer);
  return config;
}

function checkEndpoints(metadata: Record<string, unknown>, issuer: string): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string' || !(key.endsWith('_endpoint') || key === 'jwks_uri')) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new AmplifyError('EISSUER', `the discovery document of ${issuer} names ${key} ${value}: plain http:// is accepted only for loopback hosts.`);
    }
  }
}
