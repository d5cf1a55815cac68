// The Account model: its public JSON view, naming, selection, and the messages that name the way out.
import { AmplifyError } from '../errors.js';
import { grantOf } from '../grants/index.js';
import type { AccountRecord, ConfigFile, OrgRef } from '../store/config.js';

/** The account object of the SPEC: never a token, secret, password or key. */
export interface AccountView {
  name: string;
  default: boolean;
  method: AccountRecord['method'];
  issuer: string;
  env: AccountRecord['env'];
  clientId: string;
  user: { email: string | null; name: string | null; sub: string | null };
  org: OrgRef | null;
  orgs: OrgRef[];
  expires: { access: string | null; refresh: string | null };
  needsLogin: boolean;
  tokenStore: AccountRecord['tokenStore'];
}

export function toView(record: AccountRecord, config: ConfigFile): AccountView {
  return {
    name: record.name,
    default: config.auth.defaultAccount === record.name,
    method: record.method,
    issuer: record.issuer,
    env: record.env,
    clientId: record.clientId,
    user: { email: record.user.email, name: record.user.name, sub: record.user.sub },
    org: record.org,
    orgs: record.orgs,
    expires: { access: record.expires.access, refresh: record.expires.refresh },
    needsLogin: record.needsLogin,
    tokenStore: record.tokenStore,
  };
}

export const isServiceAccount = (method: AccountRecord['method']): boolean => grantOf(method)?.serviceAccount ?? false;

/** `<clientId>` for service accounts, `<clientId>:<email|preferred_username|sub>` for people. */
export function baseAccountName(clientId: string, person: { email?: string | null; preferredUsername?: string | null; sub?: string | null } | null): string {
  if (!person) return clientId;
  const who = person.email || person.preferredUsername || person.sub;
  return who ? `${clientId}:${who}` : clientId;
}

/** The same name at another issuer gets `@<issuer host>` so neither account is overwritten. */
export function uniqueAccountName(config: ConfigFile, base: string, issuer: string): string {
  const existing = config.accounts[base];
  if (!existing || existing.issuer === issuer) return base;
  const withHost = `${base}@${new URL(issuer).host}`;
  const other = config.accounts[withHost];
  if (!other || other.issuer === issuer) return withHost;
  let n = 2;
  while (config.accounts[`${withHost}-${n}`] && config.accounts[`${withHost}-${n}`]!.issuer !== issuer) n += 1;
  return `${withHost}-${n}`;
}

/** The accounts' names in the one order every command lists and offers them in. */
export function accountNames(config: ConfigFile): string[] {
  return Object.keys(config.accounts).sort();
}

/** What a command that needs an account says when none is logged in; `next` is what to do about it. */
export function noAccountsError(next = 'run `amplify auth login` first'): AmplifyError {
  return new AmplifyError('ENOACCOUNT', `no account is logged in; ${next}.`);
}

const listOf = (names: string[]): string => (names.length ? names.join(', ') : 'none');

/** The named account, or the default one; a miss lists the valid names. */
export function resolveAccount(config: ConfigFile, name?: string | null): AccountRecord {
  if (name) {
    const record = config.accounts[name];
    if (!record) {
      const login = config.bindings.find((binding) => binding.account === name && binding.login)?.login;
      if (login) throw new AmplifyError('ENOACCOUNT', `${name} was logged out: run \`${login}\` to log it in again.`);
      throw new AmplifyError('ENOACCOUNT', `no account named "${name}"; accounts: ${listOf(accountNames(config))}.`);
    }
    return record;
  }
  const names = accountNames(config);
  if (names.length === 0) throw noAccountsError();
  const chosen = (config.auth.defaultAccount && config.accounts[config.auth.defaultAccount]) || (names.length === 1 ? config.accounts[names[0]!] : undefined);
  if (!chosen) throw new AmplifyError('ENOACCOUNT', `no default account is set; run \`amplify auth switch --account <name>\` with one of: ${listOf(names)}.`);
  return chosen;
}

export function resolveOrg(record: AccountRecord, wanted: string): OrgRef {
  const match = record.orgs.find((org) => org.id === wanted || org.guid === wanted) ?? record.orgs.filter((org) => org.name.toLowerCase() === wanted.toLowerCase());
  if (match && !Array.isArray(match)) return match;
  if (Array.isArray(match) && match.length === 1) return match[0]!;
  const valid = record.orgs.map((org) => `${org.name} (${org.id})`);
  if (Array.isArray(match) && match.length > 1) throw new AmplifyError('ENOORG', `"${wanted}" names several organizations of ${record.name}; use the id: ${listOf(valid)}.`);
  throw new AmplifyError('ENOORG', `${record.name} has no organization "${wanted}"; organizations: ${listOf(valid)}.`);
}

/**
 * The command that logs this account in again, as it can be run: a service account's secret in the environment form
 * (never a value, never in argv); a password account's client secret is the one kept with it (src/accounts/login.ts).
 */
export function loginCommand(record: AccountRecord): string {
  const { relogin } = grantOf(record.method) ?? { relogin: undefined };
  const parts = [relogin?.environment ? `${relogin.environment}=*** amplify auth login` : 'amplify auth login'];
  const deployment = record.amplify && !record.env ? /^(.+)\/auth\/realms\/([^/]+)$/.exec(record.issuer) : null;
  if (record.env) {
    if (record.env !== 'prod') parts.push(`--env ${record.env}`);
  } else if (deployment) {
    parts.push(`--base-url ${deployment[1]}`);
    if (deployment[2] !== 'Broker') parts.push(`--realm ${deployment[2]}`);
    if (record.platformUrl && record.platformUrl !== deployment[1]) parts.push(`--platform-url ${record.platformUrl}`);
  } else {
    parts.push(`--issuer ${record.issuer}`);
    if (record.platformUrl) parts.push(`--platform-url ${record.platformUrl}`);
  }
  if (record.clientId !== 'amplify-cli') parts.push(`--client-id ${record.clientId}`);
  const flags = relogin?.flags?.(record);
  if (flags) parts.push(flags);
  parts.push('--force');
  return parts.join(' ');
}

export function needsLoginError(record: AccountRecord, why?: string): AmplifyError {
  return new AmplifyError('ENEEDSLOGIN', { account: record.name, fault: `${record.name} needs a new login${why ? ` (${why})` : ''}`, join: ': ', hint: `run \`${loginCommand(record)}\`` });
}
