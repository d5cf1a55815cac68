// `amplify auth setup`: bind a host to an account and have the tool's setup (`<tool>Setup` in src/tools/<tool>.ts,
// through the tool table src/tools/index.ts) write the tool's own configuration to use the helper.
import { bindingProblem, hostBindings, putBinding, removeBinding } from '../accounts/bindings.js';
import { resolveAccount } from '../accounts/model.js';
import { AmplifyError } from '../errors.js';
import { readConfig, type HostBinding, type Tool } from '../store/config.js';
import { mutateState } from '../store/state.js';
import { toolNamed } from '../tools/index.js';
import type { SetupContext } from '../tools/types.js';

export type { SetupContext };

export interface SetupRequest {
  tool: Tool;
  /** host[:port] (git, docker, terraform), registry URL (npm, pnpm), cluster name (kubectl). */
  target: string;
  account?: string;
  username?: string;
  remove?: boolean;
}

export interface SetupResult {
  binding: HostBinding;
  removed: boolean;
  /** What was written, for the person reading the output. */
  changed: string[];
  /** What the person should know for the tool to use the binding (stderr). */
  notes: string[];
}

export async function setup(ctx: SetupContext, request: SetupRequest): Promise<SetupResult> {
  const entry = toolNamed(request.tool)!;
  const tool = await entry.setup.load();
  const hosts = tool.bindingHosts(request.target);
  const username = request.username ?? null;
  const binding: HostBinding = { tool: request.tool, host: hosts[0]!, account: request.account ?? null, username };
  const current = await readConfig(ctx);
  if (request.account && !request.remove) resolveAccount(current, request.account);
  // git keeps one binding per account of a host; removing one account's leaves the others and git's configuration.
  const pinned = entry.setup.perAccount ? request.account : undefined;
  const othersStay = request.remove && pinned !== undefined && hosts.some((host) => hostBindings(current, request.tool, host).some((b) => b.account !== pinned));
  const { changed, notes } = othersStay ? { changed: [], notes: [] } : request.remove ? await tool.unconfigure(ctx, request, hosts) : await tool.configure(ctx, request, hosts, binding);
  const removed = await mutateState(ctx, ({ config }) => {
    if (request.remove) return hosts.map((host) => removeBinding(config, request.tool, host, pinned)).some(Boolean);
    for (const host of hosts) putBinding(config, { ...binding, host });
    return false;
  });
  if (request.remove && !removed && changed.length === 0) throw new AmplifyError('ECONFIG', `nothing is set up for ${request.tool} ${request.target}; \`amplify auth setup\` lists what is.`);
  return { binding, removed, changed, notes };
}

/** Every binding; one that cannot answer as it stands (its account logged out) carries the problem and its fix. */
export async function listBindings(ctx: SetupContext): Promise<Array<HostBinding & { problem?: string }>> {
  const config = await readConfig(ctx);
  return config.bindings.map((binding) => {
    const problem = bindingProblem(config, binding);
    return problem ? { ...binding, problem } : binding;
  });
}

export function describeBinding(binding: HostBinding & { problem?: string }): string {
  const line = `${binding.tool} ${binding.host} → ${binding.account ?? '(default account)'}${binding.username ? ` as ${binding.username}` : ''}`;
  return binding.problem ? `${line}  (stale: ${binding.problem})` : line;
}
