// Who the tokens belong to and which organizations they reach: the platform's findSession, else the `orgs` claim.
import type { Context } from '../context.js';
import { printable } from '../log.js';
import type { OrgRef } from '../store/config.js';
import { version } from '../version.js';
import type { TokenSet } from './tokens.js';

/**
 * The platform answers its API only to its own SDK, and tells by this prefix (the platform's CLI sends
 * `AMPLIFY SDK/<version> (<os>; <arch>; node:<version>)`); the rest names us.
 */
export const platformUserAgent = (): string =>
  `AMPLIFY SDK/${version} (${process.platform}; ${process.arch}; node:${process.versions.node}) amplify-auth/${version}`;

export interface SessionInfo {
  user: { email: string | null; name: string | null; sub: string | null; preferredUsername: string | null };
  orgs: OrgRef[];
  /** The org the issuer or platform marks as the user's default. */
  defaultOrg: OrgRef | null;
}

// Names, emails and orgs are the issuer's or platform's text, printed later by `ls` and in account names: no control characters.
const str = (value: unknown): string | null => {
  const text = typeof value === 'string' ? printable(value) : typeof value === 'number' ? String(value) : '';
  return text === '' ? null : text;
};

function orgFromPlatform(raw: unknown): OrgRef | null {
  const o = raw as { org_id?: unknown; id?: unknown; guid?: unknown; name?: unknown } | null;
  const id = str(o?.org_id) ?? str(o?.id);
  if (!o || !id) return null;
  return { id, guid: str(o.guid), name: str(o.name) ?? id };
}

export function orgsFromClaim(claim: unknown): OrgRef[] {
  if (!Array.isArray(claim)) return [];
  return claim.map(orgFromPlatform).filter((org): org is OrgRef => org !== null);
}

export async function findSession(ctx: Pick<Context, 'fetch' | 'log'>, platformUrl: string, accessToken: string): Promise<Record<string, unknown>> {
  const url = `${platformUrl}/api/v1/auth/findSession`;
  ctx.log.debug(`GET ${url}`);
  const response = await ctx.fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'user-agent': platformUserAgent() }, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { result?: Record<string, unknown> };
  if (!body || typeof body.result !== 'object' || body.result === null) throw new Error('no result in the answer');
  return body.result;
}

export async function describeSession(
  ctx: Pick<Context, 'fetch' | 'log'>,
  options: { platformUrl: string | null; tokens: TokenSet },
): Promise<SessionInfo> {
  const claims = options.tokens.claims ?? {};
  const user: SessionInfo['user'] = {
    email: str(claims.email),
    name: str(claims.name),
    sub: str(claims.sub),
    preferredUsername: str(claims.preferred_username),
  };
  let orgs = orgsFromClaim(claims.orgs);
  let defaultOrg = orgs[0] ?? null;
  if (options.platformUrl) {
    try {
      const result = await findSession(ctx, options.platformUrl, options.tokens.accessToken);
      const u = (result.user ?? {}) as Record<string, unknown>;
      const fullName = [str(u.firstname), str(u.lastname)].filter(Boolean).join(' ') || null;
      user.email ??= str(u.email);
      user.name ??= str(u.name) ?? fullName;
      user.sub ??= str(u.guid) ?? str(u.sub) ?? str(u.client_id);
      orgs = Array.isArray(result.orgs) ? result.orgs.map(orgFromPlatform).filter((org): org is OrgRef => org !== null) : orgs;
      const current = orgFromPlatform(result.org);
      defaultOrg = (current && orgs.find((org) => org.id === current.id)) ?? current ?? orgs[0] ?? null;
      if (current && !orgs.some((org) => org.id === current.id)) orgs.unshift(current);
    } catch (error) {
      ctx.log.warn(`amplify: could not read organizations from ${options.platformUrl} (${(error as Error).message}); continuing without them.`);
    }
  }
  return { user, orgs, defaultOrg };
}
