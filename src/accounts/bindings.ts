// Host bindings: which account answers for a host, matched exactly on the normalised origin, registry or cluster.
import type { ConfigFile, HostBinding, Tool } from '../store/config.js';

export const DEFAULT_USERNAME = 'oauth2';

export interface BoundAccount {
  binding: HostBinding;
  /** The account to use: a username naming an account, else the binding's; null means the default at the time of use. */
  account: string | null;
  username: string;
}

export function findBinding(config: ConfigFile, tool: Tool, host: string): HostBinding | undefined {
  return config.bindings.find((binding) => binding.tool === tool && binding.host === host);
}

export function resolveBinding(config: ConfigFile, tool: Tool, host: string, requestedUsername?: string): BoundAccount | null {
  const binding = findBinding(config, tool, host);
  if (!binding) return null;
  // Several accounts on one host: the username git or docker sends may name the account to use.
  if (requestedUsername && config.accounts[requestedUsername]) {
    return { binding, account: requestedUsername, username: requestedUsername };
  }
  // null is resolved by resolveAccount where the token is fetched, so helpers and `amplify auth token` agree on "the default".
  return { binding, account: binding.account, username: requestedUsername || binding.username || DEFAULT_USERNAME };
}

/** Adds or replaces the binding for (tool, host). */
export function putBinding(config: ConfigFile, binding: HostBinding): void {
  config.bindings = [...config.bindings.filter((b) => !(b.tool === binding.tool && b.host === binding.host)), binding];
}

export function removeBinding(config: ConfigFile, tool: Tool, host: string): boolean {
  const before = config.bindings.length;
  config.bindings = config.bindings.filter((b) => !(b.tool === tool && b.host === host));
  return config.bindings.length !== before;
}

/** The `amplify auth setup` line that makes this binding again (with `extra` flags, such as `--account <name>`). */
export function setupCommand(binding: HostBinding, extra = ''): string {
  const flag = binding.tool === 'git' ? '--host' : binding.tool === 'kubectl' ? '--cluster' : '--registry';
  const target = binding.tool === 'git' ? binding.host.replace(/^https?:\/\//, '') : binding.tool === 'npm' ? `https:${binding.host}` : binding.host;
  return `amplify auth setup ${binding.tool} ${flag} ${target}${extra ? ` ${extra}` : ''}`;
}

/** Why a binding cannot answer as it stands, with the command that fixes it; undefined when it can. */
export function bindingProblem(config: ConfigFile, binding: HostBinding): string | undefined {
  // Unpinned, it follows the default account: nothing to fix in the binding itself.
  if (binding.account === null || config.accounts[binding.account]) return undefined;
  const login = binding.login ? `\`${binding.login}\`` : '`amplify auth login`';
  return `its account ${binding.account} is logged out: run ${login}, or bind another with \`${setupCommand(binding, '--account <name>')}\``;
}
