// `amplify auth status`: each account checked against its issuer, as `gh auth status` does, with the command that fixes each problem.
import type { Context } from '../context.js';
import { AmplifyError, clause } from '../errors.js';
import type { AccountRecord } from '../store/config.js';
import { readState, type State } from '../store/state.js';
import { accountNames, isServiceAccount, loginCommand, noAccountsError, resolveAccount } from './model.js';
import { accountSecrets, getAccessToken, type TokenContext } from './tokens.js';

/** The SPEC's status object; `checks` (how each verdict was reached) is for the human output only. */
export interface AccountStatus {
  name: string;
  default: boolean;
  ok: boolean;
  problems: string[];
  expires: { access: string | null; refresh: string | null };
  checks: string[];
}

/** Every account (or those named), checked one after the other: each check may refresh, under that account's lock. */
export async function checkAccounts(ctx: TokenContext & Pick<Context, 'fetch'>, names: string[] = []): Promise<AccountStatus[]> {
  const state = await readState(ctx);
  const records = names.length ? [...new Set(names)].map((name) => resolveAccount(state.config, name)) : accountNames(state.config).map((name) => state.config.accounts[name]!);
  if (records.length === 0) throw noAccountsError();
  const results: AccountStatus[] = [];
  for (const record of records) results.push(await checkAccount(ctx, state, record));
  return results;
}


async function checkAccount(ctx: TokenContext & Pick<Context, 'fetch'>, state: State, record: AccountRecord): Promise<AccountStatus> {
  const problems: string[] = [];
  const checks: string[] = [];
  const login = `run \`${loginCommand(record)}\``;
  const secrets = accountSecrets(state, record.name);
  const now = ctx.now();
  if (record.needsLogin) problems.push(`needs a new login (the issuer refused its refresh token): ${login}`);
  else if (!secrets || (!secrets.accessToken && !secrets.refreshToken && !secrets.clientSecret && !secrets.privateKey)) {
    problems.push(`the ${state.store.kind} store holds no tokens for it: ${login}`);
  } else {
    let accepted: boolean | null = null;
    if (secrets.accessToken && (secrets.accessExpiresAt == null || secrets.accessExpiresAt > now)) {
      const { accessTokenAccepted } = await import('../flows/check.js');
      const metadata = state.config.issuers[record.issuer] ?? (await discovered(ctx, record).catch(() => ({})));
      const verdict = await accessTokenAccepted(ctx, { ctx, issuer: record.issuer, clientId: record.clientId, metadata }, { ...secrets, accessToken: secrets.accessToken }, { person: !isServiceAccount(record.method), platformUrl: record.platformUrl, account: record });
      accepted = verdict.accepted;
      if (verdict.accepted === true) checks.push(`access token accepted (${verdict.via})`);
      else if (verdict.accepted === false) checks.push(`access token refused (${verdict.via})`);
      else if (verdict.failed) problems.push(`could not ask ${record.issuer} about its access token (${verdict.detail}); check the network, then run \`amplify auth doctor\``);
      else checks.push(`access token not checked: ${verdict.detail}`);
    } else checks.push(secrets.accessToken ? 'access token expired' : 'no cached access token');
    if (accepted !== true && problems.length === 0) {
      try {
        // A refused token is renewed whatever its stated expiry; an expired one the ordinary way.
        await getAccessToken(ctx, { account: record.name, minValidity: accepted === false ? Number.MAX_SAFE_INTEGER / 1000 : undefined });
        checks.push(isServiceAccount(record.method) && !secrets.refreshToken ? 'renewed with its stored credential' : 'refreshed');
      } catch (error) {
        const message = clause(error);
        problems.push(error instanceof AmplifyError && error.code === 'ENEEDSLOGIN' ? message.replace(`${record.name} `, '') : `could not be renewed: ${message}`);
      }
    } else if (accepted === true && secrets.refreshToken && secrets.refreshExpiresAt != null && secrets.refreshExpiresAt <= now) {
      problems.push(`its refresh token expired at ${new Date(secrets.refreshExpiresAt).toISOString()}, so it needs a new login once the access token expires: ${login}`);
    }
  }
  // Expiries as they are now, after any refresh this check made.
  const latest = (await readState(ctx)).config.accounts[record.name] ?? record;
  return {
    name: record.name,
    default: state.config.auth.defaultAccount === record.name,
    ok: problems.length === 0,
    problems,
    expires: { access: latest.expires.access, refresh: latest.expires.refresh },
    checks,
  };
}

async function discovered(ctx: TokenContext, record: AccountRecord): Promise<Record<string, unknown>> {
  const { issuerConfiguration } = await import('../flows/issuer.js');
  return (await issuerConfiguration({ ctx, issuer: record.issuer, clientId: record.clientId })).serverMetadata() as unknown as Record<string, unknown>;
}
