// config.json: accounts' metadata (never a token or secret), the default account, host bindings, cached discovery.
import { join } from 'node:path';
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { readJsonFile, writePrivateFile } from './files.js';

export type TokenStoreKind = 'keyring' | 'file' | 'memory';
export type LoginMethod = 'pkce' | 'device' | 'client-secret' | 'signed-jwt' | 'password';
export type EnvName = 'prod' | 'staging' | 'preprod';
export type Tool = 'git' | 'docker' | 'npm' | 'kubectl';

export interface OrgRef {
  id: string;
  guid: string | null;
  name: string;
}

export interface AccountRecord {
  name: string;
  method: LoginMethod;
  issuer: string;
  env: EnvName | null;
  clientId: string;
  platformUrl: string | null;
  scope: string;
  user: { email: string | null; name: string | null; sub: string | null };
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function readConfig(ctx: Pick<Context, 'configDir'>): Promise<ConfigFile> {
  const file = configPath(ctx);
  const raw = await readJsonFile<unknown>(file);
  if (raw === undefined) return emptyConfig();
  if (!isObject(raw) || (raw.accounts !== undefined && !isObject(raw.accounts)) || (raw.bindings !== undefined && !Array.isArray(raw.bindings))) {
    throw new AmplifyError('ECONFIG', `${file} does not have the shape amplify expects; amplify left it unchanged: repair it, or move it away to start afresh.`);
  }
  const base = emptyConfig();
  return {
    ...base,
    ...(raw as Partial<ConfigFile>),
    auth: { ...base.auth, ...(isObject(raw.auth) ? (raw.auth as ConfigFile['auth']) : {}) },
    accounts: (raw.accounts as ConfigFile['accounts']) ?? {},
    bindings: (raw.bindings as HostBinding[]) ?? [],
    issuers: isObject(raw.issuers) ? (raw.issuers as ConfigFile['issuers']) : {},
  };
}

export async function writeConfig(ctx: Pick<Context, 'configDir'>, config: ConfigFile): Promise<void> {
  await writePrivateFile(configPath(ctx), `${JSON.stringify(config, null, 2)}\n`);
}
