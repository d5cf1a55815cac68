// Library entry: the selected account's token in-process, for Node tools.
import { listAccounts as list } from './accounts/manage.js';
import type { AccountView } from './accounts/model.js';
import { getAccessToken } from './accounts/tokens.js';
import { createContext, type Context } from './context.js';

export type { AccountView } from './accounts/model.js';
export { AmplifyError } from './errors.js';

export interface TokenOptions {
  /** Account name; the default account when omitted. */
  account?: string;
  /** Refresh first when fewer seconds than this are left (default 60). */
  minValidity?: number;
  /** Overrides for what comes from outside (environment, config dir, fetch...). */
  context?: Partial<Context>;
}

/** The access token of the selected (or named) account, refreshed when needed. */
export async function getToken(options: TokenOptions = {}): Promise<{ account: string; token: string; expiresAt: Date | null }> {
  const result = await getAccessToken(createContext(options.context), { account: options.account, minValidity: options.minValidity });
  return { account: result.account.name, token: result.token, expiresAt: result.expiresAt === null ? null : new Date(result.expiresAt) };
}

export async function listAccounts(options: { context?: Partial<Context> } = {}): Promise<AccountView[]> {
  return list(createContext(options.context));
}
