// `amplify auth setup`: bind a host to an account and write the tool's own configuration to use the helper.
import { createHash } from 'node:crypto';
import { access, constants as fsConstants, mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { bindingProblem, hostBindings, putBinding, removeBinding } from '../accounts/bindings.js';
import { resolveAccount } from '../accounts/model.js';
import type { Context } from '../context.js';
import { AmplifyError, usageError } from '../errors.js';
import { isLoopbackHost } from '../net/hosts.js';
import { normalizeOrigin, normalizeRegistry } from '../protocols/hosts.js';
import { npmRegistryKey } from '../protocols/npm.js';
import { normalizeTerraformHost } from '../protocols/terraform.js';
import { readConfig, type HostBinding, type Tool } from '../store/config.js';
import { readOptionalFile } from '../store/files.js';
import { mutateState } from '../store/state.js';
import { amplifyBinPath, gitHelperPath } from './paths.js';
import { runTool } from './run.js';
import { configureTerraform, unconfigureTerraform } from './terraform.js';

export type SetupContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log'>;

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

interface ToolChange {
  changed: string[];
  notes: string[];
}

export const home = (ctx: Pick<Context, 'env'>): string => ctx.env.HOME || homedir();

function gitOrigins(target: string): string[] {
  const withoutScheme = target.replace(/^https?:\/\//i, '');
  // git asks a helper by host (credential.useHttpPath is off by default): a path would be dropped, so it is refused.
  if (/\/./.test(withoutScheme)) {
    throw usageError(`--host "${target}" has a path; git asks credential helpers by host, so give the host[:port] alone (${withoutScheme.replace(/\/.*$/, '')}).`);
  }
  const hostPort = withoutScheme.replace(/\/$/, '');
  const https = normalizeOrigin('https', hostPort);
  if (!https) throw usageError(`--host "${target}" is not a host[:port]; for example git.example.com or 127.0.0.1:8080.`);
  const hostname = new URL(https).hostname;
  const http = isLoopbackHost(hostname) ? normalizeOrigin('http', hostPort) : null;
  return http ? [https, http] : [https];
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
    case 'pnpm':
      return [npmRegistryKey(request.target)];
    case 'kubectl':
      if (!/^[\w.@:/-]+$/.test(request.target)) throw usageError(`--cluster "${request.target}" is not a kubeconfig cluster name.`);
      return [request.target];
    case 'terraform': {
      const key = normalizeTerraformHost(request.target);
      if (!key) throw usageError(`--host "${request.target}" is not a host[:port]; for example registry.example.com or 127.0.0.1:8443 (no scheme, no path).`);
      return [key];
    }
  }
}

export async function setup(ctx: SetupContext, request: SetupRequest): Promise<SetupResult> {
  const hosts = bindingHosts(request);
  const username = request.username ?? null;
  const binding: HostBinding = { tool: request.tool, host: hosts[0]!, account: request.account ?? null, username };
  const current = await readConfig(ctx);
  if (request.account && !request.remove) resolveAccount(current, request.account);
  // git keeps one binding per account of a host; removing one account's leaves the others and git's configuration.
  const pinned = request.tool === 'git' ? request.account : undefined;
  const othersStay = request.remove && pinned !== undefined && hosts.some((host) => hostBindings(current, request.tool, host).some((b) => b.account !== pinned));
  const { changed, notes } = othersStay ? { changed: [], notes: [] } : request.remove ? await unconfigureTool(ctx, request, hosts) : await configureTool(ctx, request, hosts, binding);
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

async function configureTool(ctx: SetupContext, request: SetupRequest, hosts: string[], binding: HostBinding): Promise<ToolChange> {
  switch (request.tool) {
    case 'git': {
      const helper = gitHelperPath();
      // git runs a helper given by absolute path through the shell: quote it where it has spaces.
      const value = /\s/.test(helper) ? `'${helper.replace(/'/g, `'\\''`)}'` : helper;
      for (const origin of hosts) {
        // Reset first (an empty helper clears the inherited list), as `gh auth setup-git` does.
        await runTool(ctx, 'git', ['config', '--global', '--replace-all', `credential.${origin}.helper`, '']);
        await runTool(ctx, 'git', ['config', '--global', '--add', `credential.${origin}.helper`, value]);
      }
      return { changed: hosts.map((origin) => `git config --global credential.${origin}.helper ${value}`), notes: [] };
    }
    case 'docker': {
      const file = dockerConfigPath(ctx);
      const config = (await readToolJson(file)) ?? {};
      const credHelpers = isObject(config.credHelpers) ? (config.credHelpers as Record<string, string>) : {};
      credHelpers[binding.host] = 'amplify';
      config.credHelpers = credHelpers;
      await writeToolFile(file, `${JSON.stringify(config, null, '\t')}\n`);
      // docker (and skopeo, podman) find credential helpers only on PATH.
      const notes = (await onPath(ctx, 'docker-credential-amplify'))
        ? []
        : [`docker runs docker-credential-amplify from PATH, and it is not on PATH; add ${dirname(gitHelperPath())} to PATH (a global npm install does this).`];
      return { changed: [`${file}: credHelpers["${binding.host}"] = "amplify"`], notes };
    }
    case 'npm': {
      // auth exec sets npm_config_//host/path/:_authToken: the .npmrc gets nothing, and loses the placeholder an earlier version wrote.
      const removed = await removeNpmrcLine(ctx, placeholderLine(binding.host));
      return { changed: removed, notes: ['run npm through `amplify auth exec -- npm ...`: it sets the token for every registry bound with setup npm.'] };
    }
    case 'pnpm':
      return configurePnpm(ctx, request.target, binding.host);
    case 'kubectl':
      return configureKubectl(ctx, request.target, request.account);
    case 'terraform':
      return configureTerraform(ctx, writeToolFile);
  }
}

async function unconfigureTool(ctx: SetupContext, request: SetupRequest, hosts: string[]): Promise<ToolChange> {
  switch (request.tool) {
    case 'git': {
      const changed: string[] = [];
      for (const origin of hosts) {
        const key = `credential.${origin}.helper`;
        const { code } = await runTool(ctx, 'git', ['config', '--global', '--get-all', key], { allowExit: [1] });
        if (code !== 0) continue;
        await runTool(ctx, 'git', ['config', '--global', '--unset-all', key], { allowExit: [5] });
        changed.push(`git config --global --unset-all ${key}`);
        // An emptied [credential "<origin>"] section would linger as a bare header.
        const rest = await runTool(ctx, 'git', ['config', '--global', '--get-regexp', `^credential\\.${escapeRegExp(origin)}\\.`], { allowExit: [1] });
        if (rest.code === 1) await runTool(ctx, 'git', ['config', '--global', '--remove-section', `credential.${origin}`], { allowExit: [128] });
      }
      return { changed, notes: [] };
    }
    case 'docker': {
      const file = dockerConfigPath(ctx);
      const config = await readToolJson(file);
      const credHelpers = isObject(config?.credHelpers) ? (config!.credHelpers as Record<string, string>) : undefined;
      if (!config || !credHelpers || credHelpers[hosts[0]!] !== 'amplify') return { changed: [], notes: [] };
      delete credHelpers[hosts[0]!];
      if (Object.keys(credHelpers).length === 0) delete config.credHelpers;
      await writeToolFile(file, `${JSON.stringify(config, null, '\t')}\n`);
      return { changed: [`${file}: removed credHelpers["${hosts[0]}"]`], notes: [] };
    }
    case 'npm':
      return { changed: await removeNpmrcLine(ctx, placeholderLine(hosts[0]!)), notes: [] };
    case 'pnpm': {
      const launcher = pnpmLauncherPath(ctx, hosts[0]!);
      const changed = await removeNpmrcLine(ctx, `${hosts[0]}:tokenHelper=${launcher}`);
      if (await rm(launcher).then(() => true, () => false)) changed.push(`removed ${launcher}`);
      return { changed, notes: [] };
    }
    case 'kubectl':
      return unconfigureKubectl(ctx, request.target);
    case 'terraform':
      // One block and one launcher serve every bound host: they go with the last binding.
      return (await readConfig(ctx)).bindings.some((b) => b.tool === 'terraform' && b.host !== hosts[0]) ? { changed: [], notes: [] } : unconfigureTerraform(ctx, writeToolFile);
  }
}

export const dockerConfigPath = (ctx: Pick<Context, 'env'>): string => join(ctx.env.DOCKER_CONFIG || join(home(ctx), '.docker'), 'config.json');
export const npmrcPath = (ctx: Pick<Context, 'env'>): string => ctx.env.NPM_CONFIG_USERCONFIG || ctx.env.npm_config_userconfig || join(home(ctx), '.npmrc');
const kubeUser = (cluster: string): string => `amplify-${cluster}`;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A `<key>:<setting>=` line of an .npmrc. */
function isNpmSettingLine(line: string, key: string, setting: string): boolean {
  return new RegExp(`^\\s*${escapeRegExp(key)}:${setting}\\s*=`).test(line);
}

/** The line setup npm wrote before auth exec set npm_config_ variables; pnpm drops a whole .npmrc whose variable is unset. */
const placeholderLine = (key: string): string => `${key}:_authToken=\${NODE_AUTH_TOKEN}`;

/** Takes `line` (spaces around = aside) out of the user .npmrc, every other line kept byte for byte. */
async function removeNpmrcLine(ctx: SetupContext, line: string): Promise<string[]> {
  const file = npmrcPath(ctx);
  const text = await readTextOptional(file);
  const { lines, eol } = splitLines(text);
  const kept = lines.filter((l) => l.replace(/\s*=\s*/, '=').trim() !== line);
  if (kept.length === lines.length) return [];
  await writeToolFile(file, joinLines(kept, eol));
  return [`${file}: removed ${line}`];
}

/** The launcher pnpm runs for one registry: pnpm takes an absolute path without arguments, so each registry gets its own. */
export const pnpmLauncherPath = (ctx: Pick<Context, 'configDir'>, key: string): string =>
  join(ctx.configDir, 'bin', `pnpm-token-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

async function configurePnpm(ctx: SetupContext, registry: string, key: string): Promise<ToolChange> {
  const launcher = pnpmLauncherPath(ctx, key);
  // node and the bundle by absolute path (pnpm's PATH may hold neither); the token is fetched at each run, never written here.
  const script = `#!/bin/sh\n# Written by amplify auth setup pnpm for ${key}: prints "Bearer <token>" for pnpm's tokenHelper.\nexec ${[process.execPath, amplifyBinPath(), 'credential', 'npm', '--registry', registry, '--bearer'].map(shellQuote).join(' ')}\n`;
  await mkdir(dirname(launcher), { recursive: true, mode: 0o700 });
  const { writeWhole } = await import('../store/write.js');
  await writeWhole(launcher, script, { mode: 0o700 });
  const file = npmrcPath(ctx);
  const line = `${key}:tokenHelper=${launcher}`;
  const text = await readTextOptional(file);
  const { lines, eol } = splitLines(text);
  // Every other line stays where it is; ours takes the place of the first tokenHelper of this registry, or goes last.
  const kept: string[] = [];
  let placed = false;
  for (const l of lines) {
    if (!isNpmSettingLine(l, key, 'tokenHelper')) kept.push(l);
    else if (!placed) {
      kept.push(line);
      placed = true;
    }
  }
  if (!placed) kept.push(line);
  const next = joinLines(kept, eol);
  const changed = [`${launcher} (runs amplify credential npm --registry ${registry} --bearer)`];
  if (next === text) changed.push(`${file}: ${line} (already there)`);
  else {
    await writeToolFile(file, next);
    changed.push(`${file}: ${line}`);
  }
  const notes = ['npm warns about the tokenHelper key ("Unknown user config"), which it does not know; pnpm reads it, and npm goes on without it.'];
  if (/\s/.test(launcher)) notes.push(`pnpm runs the tokenHelper through a shell, and ${launcher} has a space in it; set AMPLIFY_HOME to a path without one.`);
  if (lines.some((l) => l.replace(/\s*=\s*/, '=').trim() === placeholderLine(key))) {
    changed.push(...(await removeNpmrcLine(ctx, placeholderLine(key))));
  }
  return { changed, notes };
}

function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (text === '') return { lines: [], eol };
  return { lines: text.replace(/\r?\n$/, '').split(/\r?\n/), eol };
}

const joinLines = (lines: string[], eol: string): string => (lines.length ? `${lines.join(eol)}${eol}` : '');

/** Where `command` is on PATH (an executable file), or undefined. */
export async function onPath(ctx: Pick<Context, 'env'>, command: string): Promise<string | undefined> {
  for (const dir of (ctx.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await access(join(dir, command), fsConstants.X_OK).then(() => true, () => false))) return join(dir, command);
  }
  return undefined;
}

/**
 * Writes a tool's own file whole or not at all (src/store/write.ts: a nearly full disk leaves the old file and a
 * clear error, never a truncated ~/.docker/config.json), keeping the mode of an existing file and following a
 * symlinked dotfile to its target. A new file is 0600: these files hold credentials. The directory is left as it is.
 */
async function writeToolFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { writeWhole } = await import('../store/write.js');
  await writeWhole(file, text, { mode: 0o600, keepMode: true, followLink: true });
}

async function readToolJson(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readTextOptional(file);
  if (text.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AmplifyError('ECONFIG', `${file} is not valid JSON (${(error as Error).message}); amplify left it unchanged.`);
  }
  if (!isObject(data)) throw new AmplifyError('ECONFIG', `${file} is not a JSON object; amplify left it unchanged.`);
  return data;
}

/** A tool's file as text; empty when it does not exist yet. */
async function readTextOptional(file: string): Promise<string> {
  return (await readOptionalFile(file))?.toString('utf8') ?? '';
}

interface KubeView {
  clusters?: Array<{ name: string; cluster?: { server?: string } }> | null;
  contexts?: Array<{ name: string; context: { cluster: string; user?: string } }> | null;
  users?: Array<{ name: string }> | null;
}

async function kubeView(ctx: SetupContext): Promise<KubeView> {
  return JSON.parse((await runTool(ctx, 'kubectl', ['config', 'view', '-o', 'json'])).stdout) as KubeView;
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
  await runTool(ctx, 'kubectl', [...args, '--exec-interactive-mode=Never']);
  const contexts = (view.contexts ?? []).filter((c) => c.context.cluster === cluster).map((c) => c.name);
  if (contexts.length === 0) contexts.push(cluster);
  for (const name of contexts) await runTool(ctx, 'kubectl', ['config', 'set-context', name, `--cluster=${cluster}`, `--user=${user}`]);
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
    await runTool(ctx, 'kubectl', ['config', 'set-context', c.name, '--user=']);
    changed.push(`kubeconfig: context ${c.name} no longer uses ${user}`);
  }
  if ((view.users ?? []).some((u) => u.name === user)) {
    await runTool(ctx, 'kubectl', ['config', 'delete-user', user]);
    changed.unshift(`kubeconfig: removed user ${user}`);
  }
  return { changed, notes: [] };
}

export function describeBinding(binding: HostBinding & { problem?: string }): string {
  const line = `${binding.tool} ${binding.host} → ${binding.account ?? '(default account)'}${binding.username ? ` as ${binding.username}` : ''}`;
  return binding.problem ? `${line}  (stale: ${binding.problem})` : line;
}
