// config.json: accounts' metadata (never a token or secret), the default account, host bindings, cached discovery.
import { join } from 'node:path';
import type { Context } from '../context.js';
import type { ToolName } from '../tools/index.js';
import { AmplifyError } from '../errors.js';
import { isObject } from '../json.js';
import { readJsonFile, refuseWritableByOthers, writePrivateFile } from './files.js';
import type { LoginMethod } from '../grants/index.js';
import type { TokenStoreKind } from './tokens/table.js';
export type EnvName = 'prod' | 'staging' | 'preprod';
/** A tool of the tool table (src/tools/index.ts). */
export type Tool = ToolName;

export interface OrgRef {
  id: string;
  guid: string | null;
  name: string;
}

/** How a confidential client authenticated at the token endpoint the last time it worked (kept for refreshes). */
export type ClientAuthStyle =
  | { method: 'client_secret_basic' | 'client_secret_post' }
  | { method: 'private_key_jwt'; aud: 'issuer' | 'token_endpoint'; kid: boolean };

export interface AccountRecord {
  name: string;
  method: LoginMethod;
  issuer: string;
  env: EnvName | null;
  /** An Amplify Platform deployment (`--env` or `--base-url`), whose login service has rules of its own. */
  amplify: boolean;
  /** `--redirect-uri` given at login: used again by later browser logins to this issuer and client. */
  redirectUri: string | null;
  /** What the token endpoint accepted from this client; null for public clients. */
  clientAuth: ClientAuthStyle | null;
  clientId: string;
  platformUrl: string | null;
  scope: string;
  /** username: what the person logs in as (preferred_username, or what --username gave), for "already logged in". */
  user: { email: string | null; name: string | null; sub: string | null; username?: string | null };
  org: OrgRef | null;
  orgs: OrgRef[];
  expires: { access: string | null; refresh: string | null };
  needsLogin: boolean;
  tokenStore: TokenStoreKind;
}

export interface HostBinding {
  tool: Tool;
  /** Normalised origin (git), registry key (docker), registry URL (npm) or cluster name (kubectl). */
  host: string;
  /** null: whichever account is the default at the time of use. */
  account: string | null;
  username: string | null;
  /** Set when its account was logged out: the command that logs it in again, for the helpers' messages. */
  login?: string;
}

export interface ConfigFile {
  version: 1;
  auth: { defaultAccount: string | null; tokenStore?: TokenStoreKind; refreshThreshold?: number };
  accounts: Record<string, AccountRecord>;
  bindings: HostBinding[];
  /** Discovery documents by issuer, so a refresh costs one round trip, not two. */
  issuers: Record<string, Record<string, unknown>>;
}

export const configPath = (ctx: Pick<Context, 'configDir'>): string => join(ctx.configDir, 'config.json');

export function emptyConfig(): ConfigFile {
  return { version: 1, auth: { defaultAccount: null }, accounts: {}, bindings: [], issuers: {} };
}

/** Why raw is not a config.json amplify can use, or null when it is. */
function shapeProblem(raw: unknown): string | null {
  if (!isObject(raw)) return 'it is not a JSON object';
  if (raw.auth !== undefined && !isObject(raw.auth)) return '"auth" is not an object';
  if (raw.accounts !== undefined && !isObject(raw.accounts)) return '"accounts" is not an object';
  if (raw.bindings !== undefined && !Array.isArray(raw.bindings)) return '"bindings" is not an array';
  for (const [name, record] of Object.entries((raw.accounts as Record<string, unknown> | undefined) ?? {})) {
    if (!isObject(record)) return `account "${name}" is not an object`;
    for (const key of ['issuer', 'clientId', 'method'] as const) {
      if (typeof record[key] !== 'string') return `account "${name}" has no "${key}"`;
    }
  }
  for (const binding of (raw.bindings as unknown[] | undefined) ?? []) {
    if (!isObject(binding) || typeof binding.tool !== 'string' || typeof binding.host !== 'string') return 'a binding has no "tool" or "host"';
  }
  const auth = (raw.auth as Record<string, unknown> | undefined) ?? {};
  const threshold = auth.refreshThreshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0)) {
    return `"auth.refreshThreshold" is ${JSON.stringify(threshold)}, not a number of seconds (0 or more)`;
  }
  return null;
}

/** An account record with the fields a hand edit or an older version may have left out. */
function completeRecord(name: string, record: Partial<AccountRecord>): AccountRecord {
  return {
    env: null,
    amplify: typeof record.env === 'string',
    redirectUri: null,
    clientAuth: null,
    platformUrl: null,
    scope: '',
    org: null,
    orgs: [],
    needsLogin: false,
    tokenStore: 'file',
    ...record,
    name,
    user: { email: null, name: null, sub: null, ...(isObject(record.user) ? record.user : {}) },
    expires: { access: null, refresh: null, ...(isObject(record.expires) ? record.expires : {}) },
  } as AccountRecord;
}

/** config.json, or an empty config where there is none. A file that does not parse is reported by name and never reset. */
export async function readConfig(ctx: Pick<Context, 'configDir'>): Promise<ConfigFile> {
  const file = configPath(ctx);
  await refuseWritableByOthers(ctx.configDir, 'directory');
  await refuseWritableByOthers(file, 'file');
  const raw = await readJsonFile<unknown>(file);
  if (raw === undefined) return emptyConfig();
  const problem = shapeProblem(raw);
  if (problem) {
    throw new AmplifyError('ECONFIG', `${file} is not a valid amplify config (${problem}); amplify left it unchanged: repair it, or move it away to start afresh.`);
  }
  const data = raw as Record<string, unknown>;
  const base = emptyConfig();
  const accounts = Object.fromEntries(Object.entries((data.accounts as Record<string, Partial<AccountRecord>>) ?? {}).map(([name, record]) => [name, completeRecord(name, record)]));
  return {
    ...base,
    ...(data as Partial<ConfigFile>),
    auth: { ...base.auth, ...((data.auth as ConfigFile['auth'] | undefined) ?? {}) },
    accounts,
    bindings: (data.bindings as HostBinding[]) ?? [],
    issuers: isObject(data.issuers) ? (data.issuers as ConfigFile['issuers']) : {},
  };
}

export async function writeConfig(ctx: Pick<Context, 'configDir'>, config: ConfigFile, beforeRename?: () => Promise<void>): Promise<void> {
  await writePrivateFile(configPath(ctx), `${JSON.stringify(config, null, 2)}\n`, beforeRename);
}
