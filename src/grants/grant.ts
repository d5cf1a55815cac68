// What a login method is: one descriptor per grant (src/grants/<method>.ts), listed once in src/grants/index.ts.
// Each grant file exports two halves, `account` and `login`, listed apart in the table: the helpers' tiers (the fast
// one and dist/credential-full.cjs) read the account half and never log in, so the login flows (browser, device,
// prompts) must not be reachable from it; the build drops the login half where nothing reads it. Both halves import
// their flows (src/flows/*, the openid-client calls) only inside the functions that run them.
import type * as oidc from 'openid-client';
import type { LoginContext } from '../accounts/login.js';
import type { IssuerClient } from '../flows/issuer.js';
import type { RedirectPlan } from '../flows/loopback.js';
import type { TokenSet } from '../flows/tokens.js';
import type { AccountRecord, ClientAuthStyle } from '../store/config.js';
import type { AccountSecrets } from '../store/tokens.js';
import type { LoginOptions } from './index.js';

/** The credentials a grant may keep with an account, to run again at refresh and to authenticate its client. */
export type KeptCredential = 'clientSecret' | 'privateKey';
export type Kept = Partial<Pick<AccountSecrets, KeptCredential>>;

export type DiscoveredAccess = IssuerClient & { metadata: Record<string, unknown> };

/** What a login hands the grant besides the options. */
export interface GrantRun {
  access: DiscoveredAccess;
  /** --scope, else the issuer's default scope. */
  scope: string;
  /** Where a browser comes back to (browser logins). */
  redirect: RedirectPlan;
  /** What the stored account this login replaces kept, if there is one (src/accounts/login.ts accountToReplace). */
  replaced: AccountSecrets | undefined;
  now: number;
}

export interface Credentials {
  tokens: TokenSet;
  /** Kept with the account; only what the grant's `keeps` names is stored. */
  keep: Kept;
  /** What the token endpoint accepted from a confidential client. */
  clientAuth?: ClientAuthStyle | null;
}

/** A grant run again at refresh with what the account kept. */
export type Rerun = (access: DiscoveredAccess, scope: string | undefined, now: number) => Promise<TokenSet>;

/**
 * What a stored account of this method needs: read by the refresh, the status check, the re-login hint and the fast
 * tier, which all run without the login flows. Nothing here may reach the browser, device or password flows.
 */
export interface AccountGrant {
  /** Named by its client id alone, with no person behind it (SPEC: account name). */
  serviceAccount: boolean;
  /** Run again with the kept credential where a refresh token is absent or refused; undefined: a new login is needed. */
  rerun?(account: AccountRecord, secrets: AccountSecrets): Rerun | undefined;
  /** How its client authenticates at the token, introspection and revocation endpoints; undefined: a public client. */
  clientAuth?(metadata: Record<string, unknown>, secrets: AccountSecrets, account: Pick<AccountRecord, 'clientAuth' | 'amplify'>): Promise<oidc.ClientAuth | undefined>;
  /**
   * What the re-login hint (src/accounts/model.ts loginCommand) says for it: the environment variable its secret is
   * read from (shown as `NAME=***`, never a value), and the flags that pick it again.
   */
  relogin: { environment?: string; flags?(record: AccountRecord): string };
}

/** How `amplify auth login` chooses and runs it: only src/accounts/login.ts (and the CLI's argv masking) read this. */
export interface LoginGrant {
  /**
   * The `amplify auth login` flag that picks this grant and the login option it sets (src/commands/login.ts defines
   * the flag); null for the default, chosen when no other grant's flag is given.
   */
  flag: { name: `--${string}`; option: keyof LoginOptions } | null;
  /** Where this grant's flag comes with options it does not go with: the usage error's text. */
  refuses?(options: LoginOptions): string | undefined;
  /** Flags whose value is a secret: a command line repeated in a message never shows it (maskArgv). */
  secretOptions: readonly `--${string}`[];
  /** A browser login, which takes --redirect-uri. */
  browserRedirect: boolean;
  /** The credentials it keeps with the account (for its rerun and clientAuth). */
  keeps: readonly KeptCredential[];
  /**
   * For people: which stored account a login with these options would replace, known before any token request (for
   * "already logged in"); undefined where only the tokens will tell. Service accounts are found by their client id.
   */
  replaces?(clientId: string, options: LoginOptions): ((record: AccountRecord) => boolean) | undefined;
  run(ctx: LoginContext, options: LoginOptions, input: GrantRun): Promise<Credentials>;
}
