// Interactive choices for switch and logout, used only on a terminal.
import { accountNames, noAccountsError } from '../accounts/model.js';
import type { Context } from '../context.js';
import { pick } from '../prompts.js';
import type { ConfigFile } from '../store/config.js';

export async function pickAccountAndOrg(ctx: Context, config: ConfigFile): Promise<{ account: string; org?: string }> {
  const records = accountNames(config).map((name) => config.accounts[name]!);
  if (records.length === 0) throw noAccountsError();
  const account = await pick(
    ctx,
    'Account',
    records.map((r) => ({ value: r.name, name: `${r.name}${config.auth.defaultAccount === r.name ? ' (default)' : ''}`, description: r.issuer })),
  );
  const orgs = config.accounts[account]!.orgs;
  if (orgs.length <= 1) return { account, org: orgs[0]?.id };
  const org = await pick(
    ctx,
    'Organization',
    orgs.map((o) => ({ value: o.id, name: `${o.name} (${o.id})`, description: o.guid ?? undefined })),
  );
  return { account, org };
}

export async function pickAccount(ctx: Context, names: string[], message: string): Promise<string> {
  return pick(ctx, message, names.map((name) => ({ value: name, name })));
}
