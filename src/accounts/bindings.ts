// Host bindings: which account answers for a host, matched exactly on the normalised origin, registry or cluster.
import type { ConfigFile, HostBinding, Tool } from '../store/config.js';
import { toolNamed } from '../tools/index.js';

export const DEFAULT_USERNAME = 'oauth2';

export interface BoundAccount {
  /** The account to use: a username naming an account, else the binding's; null means the default at the time of use. */
  account: string | null;
  username: string;
}

/** Every binding of (tool, host): git may hold one per account (`setup git --host H --account A`, once per account). */
export function hostBindings(config: ConfigFile, tool: Tool, host: string): HostBinding[] {
  return config.bindings.filter((binding) => binding.tool === tool && binding.host === host);
}

/**
 * The account that answers for a host. A username that names an account picks it only where a binding pins that
 * account to this host too: otherwise a URL (a hostile submodule's `https://other-account@host/`) could send any
 * logged-in account's token to any bound host. Else the host's own binding answers, whatever the username says:
 * the unpinned one (the account selected at the time of use), else the one pinned to the selected account, else
 * the first made.
 */
export function resolveBinding(config: ConfigFile, tool: Tool, host: string, requestedUsername?: string): BoundAccount | null {
  const bindings = hostBindings(config, tool, host);
  const named = requestedUsername ? bindings.find((binding) => binding.account === requestedUsername) : undefined;
  if (named) return { account: named.account, username: requestedUsername! };
  const binding = bindings.find((b) => b.account === null) ?? bindings.find((b) => b.account === config.auth.defaultAccount) ?? bindings[0];
  if (!binding) return null;
  // null is resolved by resolveAccount where the token is fetched, so helpers and `amplify auth token` agree on "the default".
  return { account: binding.account, username: requestedUsername || binding.username || DEFAULT_USERNAME };
}

/** Whether two bindings are the same slot: (tool, host), and the account too where the tool binds per account (git: several accounts on one host). */
const sameSlot = (a: HostBinding, b: Pick<HostBinding, 'tool' | 'host' | 'account'>): boolean =>
  a.tool === b.tool && a.host === b.host && (!toolNamed(a.tool)?.setup.perAccount || a.account === b.account);

/** Adds or replaces the binding of its slot. */
export function putBinding(config: ConfigFile, binding: HostBinding): void {
  config.bindings = [...config.bindings.filter((b) => !sameSlot(b, binding)), binding];
}

/** Removes the bindings of (tool, host): all of them, or with `account` given (null: the unpinned one) only that account's. */
export function removeBinding(config: ConfigFile, tool: Tool, host: string, account?: string | null): boolean {
  const before = config.bindings.length;
  config.bindings = config.bindings.filter((b) => !(b.tool === tool && b.host === host && (account === undefined || b.account === account)));
  return config.bindings.length !== before;
}

/** The `amplify auth setup` line that makes this binding again (with `extra` flags, such as `--account <name>`). */
export function setupCommand(binding: HostBinding, extra = ''): string {
  const setup = toolNamed(binding.tool)?.setup;
  const flag = setup?.flag ?? '--registry';
  const target = setup ? setup.target(binding.host) : binding.host;
  return `amplify auth setup ${binding.tool} ${flag} ${target}${extra ? ` ${extra}` : ''}`;
}

/** Why a binding cannot answer as it stands, with the command that fixes it; undefined when it can. */
export function bindingProblem(config: ConfigFile, binding: HostBinding): string | undefined {
  // Unpinned, it follows the default account: nothing to fix in the binding itself.
  if (binding.account === null || config.accounts[binding.account]) return undefined;
  const login = binding.login ? `\`${binding.login}\`` : '`amplify auth login`';
  return `its account ${binding.account} is logged out: run ${login}, or bind another with \`${setupCommand(binding, '--account <name>')}\``;
}
