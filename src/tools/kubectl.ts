// kubectl: `amplify credential kubectl [--account]` (an exec credential plugin, no executable of its own), and
// `setup kubectl --cluster` (a kubeconfig user with an exec entry).
import { constants } from 'node:fs/promises';
import { getAccessToken } from '../accounts/tokens.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import { errorLine, AmplifyError, usageError } from '../errors.js';
import { formatExecCredential, parseExecInfo } from '../protocols/kubectl.js';
import { exists, onPath } from '../setup/files.js';
import { amplifyBinPath } from '../setup/paths.js';
import type { ToolEntry, SetupContext, ToolChange, ToolSetup } from './types.js';

/** `--account <name>` or `--account=<name>`, as kubeconfig's exec args give it. */
function accountOf(args: string[]): string | undefined {
  const at = args.indexOf('--account');
  return at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--account='))?.slice('--account='.length);
}

export const kubectl = {
  name: 'kubectl',
  credential: {
    description: "kubectl's exec credential plugin: prints an ExecCredential",
    examples: [['Run by kubectl through a kubeconfig exec entry', '$0 credential kubectl --account my-sa']],
    args: [{ kind: 'string', name: '--account', description: 'the account to use instead of the default' }],
    call: (args) => {
      const account = accountOf(args);
      return { handler: (ctx) => kubectlCredential(ctx, account), action: undefined, readsStdin: false, errorsOnStdout: false };
    },
  },
  setup: {
    flag: '--cluster',
    flagDescription: 'cluster name in the kubeconfig',
    description: 'make kubectl get its token from amplify for a cluster',
    details: 'Adds a kubeconfig user with an exec entry running `amplify credential kubectl`, used by the contexts of that cluster.',
    examples: [['Bind a cluster', '$0 auth setup kubectl --cluster prod-eu']],
    target: (host) => host,
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./kubectl.js').then((m) => m.kubectlSetup),
  },
} as const satisfies ToolEntry;

// amplify credential kubectl: an ExecCredential with the account's token, in the apiVersion kubectl asked for.
export async function kubectlCredential(ctx: HelperContext, account: string | undefined): Promise<HelperAnswer> {
  const info = parseExecInfo(ctx.env.KUBERNETES_EXEC_INFO);
  if ('error' in info) return { stdout: '', stderr: `amplify: ${info.error}.`, exitCode: 1 };
  try {
    const { token, expiresAt } = await getAccessToken(ctx, { account });
    return { stdout: formatExecCredential(info.apiVersion, token, expiresAt === null ? null : new Date(expiresAt)), exitCode: 0 };
  } catch (error) {
    return { stdout: '', stderr: errorLine(error), exitCode: 1 };
  }
}

// `amplify auth setup kubectl`: a kubeconfig user whose exec entry runs `amplify credential kubectl`, set through kubectl.
const kubeUser = (cluster: string): string => `amplify-${cluster}`;

interface KubeView {
  clusters?: Array<{ name: string; cluster?: { server?: string } }> | null;
  contexts?: Array<{ name: string; context: { cluster: string; user?: string } }> | null;
  users?: Array<{ name: string; user?: { exec?: { command?: string; args?: string[] } } }> | null;
}

async function kubeView(ctx: Pick<SetupContext, 'runTool'>): Promise<KubeView> {
  return JSON.parse((await ctx.runTool('kubectl', ['config', 'view', '-o', 'json'])).stdout) as KubeView;
}

async function configureKubectl(ctx: SetupContext, cluster: string, account: string | undefined): Promise<ToolChange> {
  const view = await kubeView(ctx);
  const clusters = view.clusters ?? [];
  const entry = clusters.find((c) => c.name === cluster);
  if (!entry) {
    const names = clusters.map((c) => c.name);
    throw new AmplifyError('ECONFIG', `the kubeconfig has no cluster "${cluster}"${names.length ? ` (clusters: ${names.join(', ')})` : ''}; add it with \`kubectl config set-cluster\` first.`);
  }
  const user = kubeUser(cluster);
  // node and the bundle by absolute path: kubectl's PATH may not hold either, and no shell is involved.
  const args = ['config', 'set-credentials', user, `--exec-command=${process.execPath}`, '--exec-api-version=client.authentication.k8s.io/v1', `--exec-arg=${amplifyBinPath()}`, '--exec-arg=credential', '--exec-arg=kubectl'];
  if (account) args.push('--exec-arg=--account', `--exec-arg=${account}`);
  await ctx.runTool('kubectl', [...args, '--exec-interactive-mode=Never']);
  const contexts = (view.contexts ?? []).filter((c) => c.context.cluster === cluster).map((c) => c.name);
  if (contexts.length === 0) contexts.push(cluster);
  for (const name of contexts) await ctx.runTool('kubectl', ['config', 'set-context', name, `--cluster=${cluster}`, `--user=${user}`]);
  const notes: string[] = [];
  // client-go applies a kubeconfig user (token, exec plugin) only to https servers: over http it sends nothing.
  if (entry.cluster?.server && !/^https:\/\//i.test(entry.cluster.server)) {
    notes.push(`cluster "${cluster}" is served over ${entry.cluster.server.split(':')[0]}, and kubectl sends credentials only to https servers; point it at an https:// server.`);
  }
  return {
    changed: [`kubeconfig: user ${user} (exec: amplify credential kubectl${account ? ` --account ${account}` : ''})`, ...contexts.map((name) => `kubeconfig: context ${name} uses ${user}`)],
    notes,
  };
}

async function unconfigureKubectl(ctx: SetupContext, cluster: string): Promise<ToolChange> {
  const view = await kubeView(ctx);
  const user = kubeUser(cluster);
  const changed: string[] = [];
  // Contexts keep working (anonymously) instead of naming a user that no longer exists.
  for (const c of view.contexts ?? []) {
    if (c.context.user !== user) continue;
    await ctx.runTool('kubectl', ['config', 'set-context', c.name, '--user=']);
    changed.push(`kubeconfig: context ${c.name} no longer uses ${user}`);
  }
  if ((view.users ?? []).some((u) => u.name === user)) {
    await ctx.runTool('kubectl', ['config', 'delete-user', user]);
    changed.unshift(`kubeconfig: removed user ${user}`);
  }
  return { changed, notes: [] };
}

export const kubectlSetup: ToolSetup = {
  bindingHosts(target) {
    if (!/^[\w.@:/-]+$/.test(target)) throw usageError(`--cluster "${target}" is not a kubeconfig cluster name.`);
    return [target];
  },

  configure: (ctx, request) => configureKubectl(ctx, request.target, request.account),

  unconfigure: (ctx, request) => unconfigureKubectl(ctx, request.target),

  async check(ctx, binding) {
    const view = await kubeView(ctx);
    const name = kubeUser(binding.host);
    const exec = view.users?.find((u) => u.name === name)?.user?.exec;
    if (!exec?.command) return { ok: false, detail: `the kubeconfig has no user ${name} with an exec entry` };
    for (const path of [exec.command, exec.args?.[0]].filter((p): p is string => Boolean(p && p.startsWith('/')))) {
      if (!(await exists(path, constants.X_OK))) return { ok: false, detail: `kubeconfig user ${name} runs ${path}, which does not exist (or cannot be run)` };
    }
    if (!exec.command.startsWith('/') && !(await onPath(ctx, exec.command))) return { ok: false, detail: `kubeconfig user ${name} runs ${exec.command}, which is not on PATH` };
    return { ok: true, detail: `kubeconfig user ${name} runs ${exec.command}${exec.args?.[0] ? ` ${exec.args[0]}` : ''}` };
  },
};
