// The login methods: one entry per grant, its two halves (src/grants/grant.ts says why they are apart). Everything that
// varies by login method reads these tables: choosing the grant from the flags, running it, re-running it at refresh,
// its client authentication, the re-login hint, argv masking.
import * as clientSecret from './client-secret.js';
import * as device from './device.js';
import type { AccountGrant, LoginGrant } from './grant.js';
import * as password from './password.js';
import * as pkce from './pkce.js';
import * as signedJwt from './signed-jwt.js';

/**
 * What `amplify auth login` was given (src/commands/login.ts passes it to src/accounts/login.ts): the grants are
 * chosen from it, so a new grant's own flag adds its field here, beside the table.
 */
export interface LoginOptions {
  env?: string;
  issuer?: string;
  /** An Amplify Platform deployment's address; the issuer is `<baseUrl>/auth/realms/<realm>`. */
  baseUrl?: string;
  realm?: string;
  platformUrl?: string;
  /** A loopback redirect the issuer registered for this client (browser logins). */
  redirectUri?: string;
  clientId?: string;
  clientSecret?: string;
  secretFile?: string;
  /** A name, or true to prompt for it. */
  username?: string | true;
  password?: string;
  device?: boolean;
  scope?: string;
  force?: boolean;
  launchBrowser?: boolean;
  timeoutSeconds?: number;
}

/** What a stored account of each method needs (the refresh, the status check, the re-login hint, the fast tier). */
export const GRANTS = {
  pkce: pkce.account,
  device: device.account,
  password: password.account,
  'client-secret': clientSecret.account,
  'signed-jwt': signedJwt.account,
} as const satisfies Record<string, AccountGrant>;

export type LoginMethod = keyof typeof GRANTS;

/**
 * How each is chosen and run at login, in the order the login options are asked about (src/accounts/login.ts
 * chooseMethod): every given grant's refusal first, then the first grant whose flag is given; the default, pkce, last.
 */
export const LOGINS: Readonly<Record<LoginMethod, LoginGrant>> = {
  'signed-jwt': signedJwt.login,
  device: device.login,
  password: password.login,
  'client-secret': clientSecret.login,
  pkce: pkce.login,
};

/** The grant of a stored account; undefined for a method this version does not know (a hand-edited config.json). */
export const grantOf = (method: string): AccountGrant | undefined => (Object.hasOwn(GRANTS, method) ? GRANTS[method as LoginMethod] : undefined);

/**
 * Every login flag whose value is a secret (src/log.ts maskArgv, through src/cli.ts). A function, not a constant: a
 * constant computed at load would keep LOGINS, and the login flows behind it, in the helpers' tiers.
 */
export const secretOptions = (): ReadonlySet<string> => new Set(Object.values(LOGINS).flatMap((grant) => grant.secretOptions));
