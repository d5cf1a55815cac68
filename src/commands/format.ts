// What the account and token commands print: a table for `ls`, a block for `whoami`, the token; JSON with --json.
// Both tiers print through these (src/commands/*.ts and src/bin/credential-fast.ts).
import type { AccountView } from '../accounts/model.js';
import { toIso, type AccessToken } from '../accounts/tokens.js';

/** What every --json output is: two-space indented, one newline at the end. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function relative(iso: string | null, now: number): string {
  if (!iso) return '-';
  const ms = Date.parse(iso) - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = minutes < 60 ? `${minutes}m` : minutes < 48 * 60 ? `${Math.round(minutes / 60)}h` : `${Math.round(minutes / 1440)}d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

const who = (a: AccountView): string => a.user.email ?? a.user.name ?? a.user.sub ?? '-';
const org = (a: AccountView): string => (a.org ? `${a.org.name} (${a.org.id})` : '-');

export function formatAccountTable(accounts: AccountView[], now: number): string {
  if (accounts.length === 0) return 'No accounts. Run `amplify auth login` to add one.\n';
  const rows = [
    ['', 'ACCOUNT', 'METHOD', 'USER', 'ORG', 'ISSUER', 'EXPIRES'],
    ...accounts.map((a) => [a.default ? '*' : '', a.name, a.method, who(a), org(a), a.issuer, a.needsLogin ? 'needs login' : relative(a.expires.access, now)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')}\n`;
}

export function formatAccount(a: AccountView, now: number): string {
  const lines = [
    `Account:  ${a.name}${a.default ? ' (default)' : ''}`,
    `User:     ${who(a)}${a.user.name && a.user.email ? ` (${a.user.name})` : ''}`,
    `Org:      ${org(a)}`,
    `Method:   ${a.method}`,
    `Issuer:   ${a.issuer}`,
    `Expires:  ${a.needsLogin ? 'needs a new login' : relative(a.expires.access, now)}`,
    `Store:    ${a.tokenStore}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** What `auth ls` prints: the table, or with --json the array of account objects. */
export function formatAccountList(accounts: AccountView[], json: boolean, now: number): string {
  return json ? jsonText(accounts) : formatAccountTable(accounts, now);
}

/** What `auth whoami` prints. */
export function formatWhoami(account: AccountView, json: boolean, now: number): string {
  return json ? jsonText(account) : formatAccount(account, now);
}

/** What `auth token` prints: the token alone, or with --json {account, token, expiresAt}. */
export function formatAccessToken(result: AccessToken, json: boolean): string {
  return json ? jsonText({ account: result.account.name, token: result.token, expiresAt: toIso(result.expiresAt) }) : `${result.token}\n`;
}
