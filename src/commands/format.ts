// What the account and token commands print: a table for `ls`, a block for `whoami`, the token; JSON with --json.
// Both tiers print through these (src/commands/*.ts and src/bin/credential-fast.ts).
import type { AccountView } from '../accounts/model.js';
import { toIso, type AccessToken } from '../accounts/tokens.js';

/** What every --json output is: two-space indented, one newline at the end. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
import { PLAIN, type Style } from './style.js';

function relative(iso: string | null, now: number): string {
  if (!iso) return '-';
  const ms = Date.parse(iso) - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = minutes < 60 ? `${minutes}m` : minutes < 48 * 60 ? `${Math.round(minutes / 60)}h` : `${Math.round(minutes / 1440)}d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

const who = (a: AccountView): string => a.user.email ?? a.user.name ?? a.user.sub ?? '-';
const org = (a: AccountView): string => (a.org ? `${a.org.name} (${a.org.id})` : '-');

export interface TableOptions {
  /** The terminal's width: columns shrink (with …) to fit it; undefined means no limit (a pipe). */
  width?: number;
  style?: Style;
}

const issuerShown = (a: AccountView): string => a.env ?? a.issuer.replace(/^https?:\/\//, '').replace(/\/auth\/realms\/Broker$/, '');
const clip = (cell: string, width: number): string => (cell.length <= width ? cell : `${cell.slice(0, Math.max(1, width - 1))}…`);

/** Columns that give way, in order, where the table is wider than the terminal, down to these widths. */
const SHRINK: Array<[column: string, min: number]> = [
  ['ISSUER', 8],
  ['ORG', 8],
  ['USER', 8],
];

export function formatAccountTable(accounts: AccountView[], now: number, options: TableOptions = {}): string {
  if (accounts.length === 0) return 'No accounts. Run `amplify auth login` to add one.\n';
  const style = options.style ?? PLAIN;
  const columns: Array<[string, (a: AccountView) => string]> = [
    ['ACCOUNT', (a) => `${a.default ? '*' : ' '} ${a.name}`],
    ['METHOD', (a) => a.method],
    ['USER', who],
    ['ORG', org],
    ['ISSUER', issuerShown],
    ['EXPIRES', (a) => (a.needsLogin ? 'needs login' : relative(a.expires.access, now))],
  ];
  // The user is in most accounts' names already (<clientId>:<email>): its column shows only where it says more,
  // and is the first to go where the terminal is too narrow (whoami shows it).
  const sayMore = accounts.some((a) => who(a) !== '-' && !a.name.includes(who(a)));
  let layout = fit(accounts, columns.filter(([title]) => title !== 'USER' || sayMore), options.width);
  if (options.width !== undefined && layout.total > options.width && sayMore) layout = fit(accounts, columns.filter(([title]) => title !== 'USER'), options.width);
  const { shown, widths, header, rows } = layout;
  const paint = (cell: string, i: number, a?: AccountView): string => {
    if (!a) return style.dim(cell);
    if (shown[i]![0] === 'ACCOUNT' && a.default) return style.bold(cell.replace(/^\*/, style.green('*')));
    if (shown[i]![0] === 'EXPIRES' && a.needsLogin) return style.red(cell);
    return cell;
  };
  const line = (cells: string[], a?: AccountView): string =>
    cells
      .map((cell, i) => {
        const fitted = clip(cell, widths[i]!);
        return paint(i === cells.length - 1 ? fitted : fitted.padEnd(widths[i]!), i, a);
      })
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map((r, n) => line(r, accounts[n]))].join('\n')}\n`;
}

/** Column widths for these columns, the SHRINK ones narrowed (down to their minimum) towards `width`. */
function fit(accounts: AccountView[], shown: Array<[string, (a: AccountView) => string]>, width: number | undefined) {
  const header = shown.map(([title]) => (title === 'ACCOUNT' ? `  ${title}` : title));
  const rows = accounts.map((a) => shown.map(([, cell]) => cell(a)));
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  for (const [title, min] of SHRINK) {
    const i = shown.findIndex(([t]) => t === title);
    if (width === undefined || i === -1 || total() <= width) continue;
    widths[i] = Math.max(Math.min(min, widths[i]!), widths[i]! - (total() - width));
  }
  return { shown, header, rows, widths, total: total() };
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
export function formatAccountList(accounts: AccountView[], json: boolean, now: number, options: TableOptions = {}): string {
  return json ? jsonText(accounts) : formatAccountTable(accounts, now, options);
}

/** What `auth whoami` prints. */
export function formatWhoami(account: AccountView, json: boolean, now: number): string {
  return json ? jsonText(account) : formatAccount(account, now);
}

/** What `auth token` prints: the token alone, or with --json {account, token, expiresAt}. */
export function formatAccessToken(result: AccessToken, json: boolean): string {
  return json ? jsonText({ account: result.account.name, token: result.token, expiresAt: toIso(result.expiresAt) }) : `${result.token}\n`;
}
