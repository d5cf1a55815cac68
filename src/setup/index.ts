// `amplify auth setup`: bind a host to an account and write the tool's own configuration to use the helper.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { putBinding, removeBinding } from '../accounts/bindings.js';
import { resolveAccount } from '../accounts/model.js';
import type { Context } from '../context.js';
import { AmplifyError, errnoCode, usageError } from '../errors.js';
import { isLoopbackHost, normalizeOrigin, normalizeRegistry } from '../protocols/hosts.js';
import { readConfig, type HostBinding, type Tool } from '../store/config.js';
import { readJsonFile, writePrivateFile } from '../store/files.js';
import { mutateState } from '../store/state.js';
import { amplifyBinPath, gitHelperPath } from './paths.js';
import { runTool } from './run.js';

export type SetupContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>;

export interface SetupRequest {
  tool: Tool;
  /** host[:port] (git, docker), registry URL (npm), cluster name (kubectl). */
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
}

const home = (ctx: Pick<Context, 'env'>): string => ctx.env.HOME || homedir();

function gitOrigins(target: string): string[] {
  const hostPort = target.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const https = normalizeOrigin('https', hostPort);
  if (!https) throw usageError(`--host "${target}" is not a host[:port]; for example git.example.com or 127.0.0.1:8080.`);
  const hostname = new URL(https).hostname;
  const http = isLoopbackHost(hostname) ? normalizeOrigin('http', hostPort) : null;
  return http ? [https, http] : [https];
}

/** The `//host/path/` key npm uses for per-registry settings in .npmrc. */
export function npmRegistryKey(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw usageError(`--registry "${target}" is not a URL; for example https://registry.example.com/npm/.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw usageError(`--registry "${target}" must use https:// (http:// only for loopback hosts).`);
  }
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `//${url.host}${path}`;
}

function bindingHosts(request: SetupRequest): string[] {
  switch (request.tool) {
    case 'git':
      return gitOrigins(request.target);
    case 'docker': {
      const key = normalizeRegistry(request.target);
      if (!key) throw usageError(`--registry "${request.target}" is not a registry host[:port]; for example registry.example.com or 127.0.0.1:5000.`);
      return [key];
    }
    case 'npm':
      return [npmRegistryKey(request.target)];
    case 'kubectl':
      if (!/^[\w.@:/-]+$/.test(request.target)) throw usageError(`--cluster "${request.target}" is not a kubeconfig cluster name.`);
      return [request.target];
  }
}

export async function setup(ctx: SetupContext, request: SetupRequest): Promise<SetupResult> {
  const hosts = bindingHosts(request);
  const username = request.username ?? null;
  const binding: HostBinding = { tool: request.tool, host: hosts[0]!, account: request.account ?? null, username };
  if (request.account && !request.remove) resolveAccount(await readConfig(ctx), request.account);
  const changed = request.remove ? await unconfigureTool(ctx, request, hosts) : await configureTool(ctx, request, hosts, binding);
  const removed = await mutateState(ctx, ({ config }) => {
    if (request.remove) return hosts.map((host) => removeBinding(config, request.tool, host)).some(Boolean);
    for (const host of hosts) putBinding(config, { ...binding, host });
    return false;
  });
  if (request.remove && !removed && changed.length === 0) throw new AmplifyError('ENOACCOUNT', `nothing is set up for ${request.tool} ${request.target}.`);
  return { binding, removed, changed };
}

export async function listBindings(ctx: SetupContext): Promise<HostBinding[]> {
  return (await readConfig(ctx)).bindings;
}

async function configureTool(ctx: SetupContext, request: SetupRequest, hosts: string[], binding: HostBinding): Promise<string[]> {
  switch (request.tool) {
    case 'git': {
      const helper = gitHelperPath();
      const value = /\s/.test(helper) ? `'${helper}'` : helper;
      for (const origin of hosts) {
        // Reset first (an empty helper clears the inherited list), as `gh auth setup-git` does.
        await runTool(ctx, 'git', ['config', '--global', '--replace-all', `credential.${origin}.helper`, '']);
        await runTool(ctx, 'git', ['config', '--global', '--add', `credential.${origin}.helper`, value]);
      }
      return hosts.map((origin) => `git config --global credential.${origin}.helper`);
    }
    case 'docker': {
      const file = dockerConfigPath(ctx);
      const config = (await readToolJson(file)) ?? {};
      const credHelpers = (typeof config.credHelpers === 'object' && config.credHelpers !== null ? config.credHelpers : {}) as Record<string, string>;
      credHelpers[binding.host] = 'amplify';
      config.credHelpers = credHelpers;
      await writePrivateFile(file, `${JSON.stringify(config, null, '\t')}\n`);
      return [`${file}: credHelpers["${binding.host}"] = "amplify"`];
    }
    case 'npm': {
      const file = npmrcPath(ctx);
      const line = `${binding.host}:_authToken=\${NODE_AUTH_TOKEN}`;
      const lines = (await readTextOptional(file)).split('\n').filter((l) => l !== '' && !l.startsWith(`${binding.host}:_authToken=`));
      await writePrivateFile(file, `${[...lines, line].join('\n')}\n`);
      return [`${file}: ${line}`];
    }
    case 'kubectl':
      return configureKubectl(ctx, request.target, request.account);
  }
}

async function unconfigureTool(ctx: SetupContext, request: SetupRequest, hosts: string[]): Promise<string[]> {
  switch (request.tool) {
    case 'git':
      for (const origin of hosts) await runTool(ctx, 'git', ['config', '--global', '--unset-all', `credential.${origin}.helper`], { allowExit: [5] });
      return hosts.map((origin) => `git config --global --unset-all credential.${origin}.helper`);
    case 'docker': {
      const file = dockerConfigPath(ctx);
      const config = await readToolJson(file);
      const credHelpers = config?.credHelpers as Record<string, string> | undefined;
      if (!config || !credHelpers || credHelpers[hosts[0]!] !== 'amplify') return [];
      delete credHelpers[hosts[0]!];
      await writePrivateFile(file, `${JSON.stringify(config, null, '\t')}\n`);
      return [`${file}: removed credHelpers["${hosts[0]}"]`];
    }
    case 'npm': {
      const file = npmrcPath(ctx);
      const text = await readTextOptional(file);
      const lines = text.split('\n').filter((l) => l !== '');
      const kept = lines.filter((l) => !l.startsWith(`${hosts[0]}:_authToken=`));
      if (kept.length === lines.length) return [];
      await writePrivateFile(file, kept.length ? `${kept.join('\n')}\n` : '');
      return [`${file}: removed ${hosts[0]}:_authToken`];
    }
    case 'kubectl': {
      const user = kubeUser(request.target);
      await runTool(ctx, 'kubectl', ['config', 'unset', `users.${user}`], { allowExit: [1] });
      return [`kubeconfig: removed user ${user}`];
    }
  }
}

export const dockerConfigPath = (ctx: Pick<Context, 'env'>): string => join(ctx.env.DOCKER_CONFIG || join(home(ctx), '.docker'), 'config.json');
export const npmrcPath = (ctx: Pick<Context, 'env'>): string => ctx.env.NPM_CONFIG_USERCONFIG || ctx.env.npm_config_userconfig || join(home(ctx), '.npmrc');
const kubeUser = (cluster: string): string => `amplify-${cluster}`;

async function readToolJson(file: string): Promise<Record<string, unknown> | undefined> {
  const data = await readJsonFile<unknown>(file);
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    throw new AmplifyError('ECONFIG', `${file} is not a JSON object; amplify left it unchanged.`);
  }
  return data as Record<string, unknown> | undefined;
}

async function readTextOptional(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return '';
    throw new AmplifyError('ECONFIG', `cannot read ${file}: ${(error as Error).message}`);
  }
}

async function configureKubectl(ctx: SetupContext, cluster: string, account: string | undefined): Promise<string[]> {
  const view = JSON.parse(await runTool(ctx, 'kubectl', ['config', 'view', '-o', 'json'])) as {
    clusters?: Array<{ name: string }> | null;
    contexts?: Array<{ name: string; context: { cluster: string } }> | null;
  };
  const clusters = (view.clusters ?? []).map((c) => c.name);
  if (!clusters.includes(cluster)) {
    throw new AmplifyError('ENOACCOUNT', `the kubeconfig has no cluster "${cluster}"${clusters.length ? ` (clusters: ${clusters.join(', ')})` : ''}; add it with \`kubectl config set-cluster\` first.`);
  }
  const user = kubeUser(cluster);
  const args = ['config', 'set-credentials', user, `--exec-command=${process.execPath}`, '--exec-api-version=client.authentication.k8s.io/v1', `--exec-arg=${amplifyBinPath()}`, '--exec-arg=credential', '--exec-arg=kubectl'];
  if (account) args.push('--exec-arg=--account', `--exec-arg=${account}`);
  await runTool(ctx, 'kubectl', [...args, '--exec-interactive-mode=Never']);
  const contexts = (view.contexts ?? []).filter((c) => c.context.cluster === cluster).map((c) => c.name);
  if (contexts.length === 0) contexts.push(cluster);
  for (const name of contexts) await runTool(ctx, 'kubectl', ['config', 'set-context', name, `--cluster=${cluster}`, `--user=${user}`]);
  return [`kubeconfig: user ${user} (exec: amplify credential kubectl)`, ...contexts.map((name) => `kubeconfig: context ${name} uses ${user}`)];
}

export function describeBinding(binding: HostBinding): string {
  return `${binding.tool} ${binding.host} → ${binding.account ?? '(default account)'}${binding.username ? ` as ${binding.username}` : ''}`;
}
