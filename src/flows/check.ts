// Whether an issuer still accepts an access token, asked without changing anything: introspection, userinfo or findSession.
import * as oidc from 'openid-client';
import type { Context } from '../context.js';
import type { AccountSecrets } from '../store/tokens.js';
import { issuerConfiguration, type IssuerClient } from './issuer.js';
import { clientAuthFor, type Described } from './refresh.js';
import { findSession } from './session.js';

export interface Acceptance {
  /** true: accepted; false: refused (expired, revoked); null: nothing could say (no endpoint answered). */
  accepted: boolean | null;
  /** Which check said so. */
  via: 'introspection' | 'userinfo' | 'findSession' | null;
  /** Why nothing could say, where accepted is null. */
  detail?: string;
  /** A check was tried and failed (unreachable, an error answer): not the same as no check to try. */
  failed?: boolean;
}

const statusOf = (error: unknown): number | undefined => {
  const e = error as { status?: unknown; response?: { status?: unknown }; cause?: { status?: unknown } };
  for (const value of [e?.status, e?.response?.status, e?.cause?.status]) if (typeof value === 'number') return value;
  const match = /HTTP (\d{3})/.exec((error as Error)?.message ?? '');
  return match ? Number(match[1]) : undefined;
};

/**
 * Asks the issuer about `secrets.accessToken`, as `gh auth status` asks its API: introspection (RFC 7662) where the
 * account's client has a credential to introspect with, else the userinfo endpoint (people), else the platform's
 * findSession. A 401 from any of them is a refusal; anything else moves on to the next check.
 */
export async function accessTokenAccepted(
  ctx: Pick<Context, 'fetch' | 'log'>,
  access: IssuerClient & { metadata: Record<string, unknown> },
  secrets: AccountSecrets & { accessToken: string },
  options: { person: boolean; platformUrl: string | null; account: Described },
): Promise<Acceptance> {
  const reasons: string[] = [];
  if (access.metadata.introspection_endpoint && (secrets.clientSecret || secrets.privateKey)) {
    try {
      const config = await issuerConfiguration({ ...access, clientAuth: await clientAuthFor(access.metadata, secrets, options.account) });
      const answer = await oidc.tokenIntrospection(config, secrets.accessToken, { token_type_hint: 'access_token' });
      return { accepted: answer.active === true, via: 'introspection' };
    } catch (error) {
      reasons.push(`introspection: ${(error as Error).message}`);
    }
  }
  if (access.metadata.userinfo_endpoint && options.person) {
    try {
      const config = await issuerConfiguration(access);
      await oidc.fetchUserInfo(config, secrets.accessToken, oidc.skipSubjectCheck);
      return { accepted: true, via: 'userinfo' };
    } catch (error) {
      if (statusOf(error) === 401) return { accepted: false, via: 'userinfo' };
      reasons.push(`userinfo: ${(error as Error).message}`);
    }
  }
  if (options.platformUrl) {
    try {
      await findSession(ctx, options.platformUrl, secrets.accessToken);
      return { accepted: true, via: 'findSession' };
    } catch (error) {
      if (statusOf(error) === 401) return { accepted: false, via: 'findSession' };
      reasons.push(`findSession: ${(error as Error).message}`);
    }
  }
  if (reasons.length) return { accepted: null, via: null, detail: reasons.join('; '), failed: true };
  return { accepted: null, via: null, detail: 'the issuer offers no check this account can use (no introspection for its client, no userinfo, no platform URL)' };
}
