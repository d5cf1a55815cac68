// docker: docker-credential-amplify get|store|erase|list|version, and `setup docker --registry` (credHelpers).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_USERNAME, resolveBinding } from '../accounts/bindings.js';
import { dropBoundAccessToken, getAccessToken } from '../accounts/tokens.js';
import type { Context } from '../context.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import { errorLine, usageError } from '../errors.js';
import { isObject } from '../json.js';
import { DOCKER_NOT_FOUND, formatDockerCredential, formatDockerList, parseDockerStore, parseServerUrl } from '../protocols/docker.js';
import { normalizeRegistry } from '../protocols/hosts.js';
import { home, onPath, readToolJson, writeToolFile } from '../setup/files.js';
import { gitHelperPath } from '../setup/paths.js';
import { readConfig } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { registryKey } from '../store/tokens.js';
import { version } from '../version.js';
import type { ToolEntry, ToolSetup } from './types.js';

export const docker = {
  name: 'docker',
  executable: 'docker-credential-amplify',
  credential: {
    description: "docker's credential helper protocol (docker-credential-amplify)",
    examples: [['What docker would do', 'echo registry.example.com | $0 credential docker get']],
    args: [{ kind: 'positional', name: 'get|store|erase|list|version' }],
    call: (args) => ({ handler: dockerCredential, action: args[0], readsStdin: args[0] === 'get' || args[0] === 'store' || args[0] === 'erase', errorsOnStdout: true }),
  },
  setup: {
    flag: '--registry',
    flagDescription: 'host[:port] of the registry',
    username: 'username docker is given (default oauth2)',
    description: 'make docker ask amplify for credentials for a registry',
    details: 'Adds a `credHelpers` entry to $DOCKER_CONFIG/config.json (default ~/.docker), keeping every other key.',
    examples: [['Bind a registry', '$0 auth setup docker --registry registry.example.com']],
    target: (host) => host,
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./docker.js').then((m) => m.dockerSetup),
  },
} as const satisfies ToolEntry;

// docker-credential-amplify: bound registries get the account's token; other registries keep what `store` gave.
const notFound: HelperAnswer = { stdout: `${DOCKER_NOT_FOUND}\n`, exitCode: 1 };

export async function dockerCredential(ctx: HelperContext, action: string | undefined, input: Buffer): Promise<HelperAnswer> {
  switch (action) {
    case 'version':
      return { stdout: `docker-credential-amplify (amplify-auth) ${version}\n`, exitCode: 0 };
    case 'get':
      return get(ctx, input);
    case 'store':
      return store(ctx, input);
    case 'erase':
      return erase(ctx, input);
    case 'list':
      return list(ctx);
    default:
      return { stdout: '', stderr: `docker-credential-amplify: unknown action "${action ?? ''}"; docker calls it with get, store, erase, list or version.`, exitCode: 2 };
  }
}

/** The server URL docker sent and the registry key bindings and stored credentials are matched on. */
function registryOf(input: Buffer): { serverURL: string; key: string } | null {
  const serverURL = parseServerUrl(input);
  const key = serverURL === null ? null : normalizeRegistry(serverURL);
  return serverURL === null || key === null ? null : { serverURL, key };
}

async function get(ctx: HelperContext, input: Buffer): Promise<HelperAnswer> {
  const registry = registryOf(input);
  if (!registry) return notFound;
  const { serverURL, key } = registry;
  const config = await readConfig(ctx);
  const bound = resolveBinding(config, 'docker', key);
  if (bound) {
    try {
      const { token } = await getAccessToken(ctx, { account: bound.account, config });
      return { stdout: formatDockerCredential({ ServerURL: serverURL, Username: bound.username, Secret: token }), exitCode: 0 };
    } catch (error) {
      // docker shows a helper's stdout as the error: one line that says what to do.
      return { stdout: `${errorLine(error)}\n`, exitCode: 1 };
    }
  }
  const state = await readState(ctx);
  const stored = state.secrets[registryKey(key)];
  if (stored?.kind === 'docker') return { stdout: formatDockerCredential({ ServerURL: stored.serverURL, Username: stored.username, Secret: stored.secret }), exitCode: 0 };
  return notFound;
}

async function store(ctx: HelperContext, input: Buffer): Promise<HelperAnswer> {
  const credential = parseDockerStore(input);
  const key = credential === null ? null : normalizeRegistry(credential.ServerURL);
  if (credential === null || key === null) return { stdout: 'amplify: docker sent credentials amplify cannot read\n', exitCode: 1 };
  const config = await readConfig(ctx);
  // A bound registry gets fresh tokens from its account: what `docker login` typed in is not kept.
  if (resolveBinding(config, 'docker', key)) return { stdout: '', exitCode: 0 };
  await mutateState(
    ctx,
    (state) => {
      state.secrets[registryKey(key)] = { kind: 'docker', serverURL: credential.ServerURL, username: credential.Username, secret: credential.Secret };
    },
    { probe: true },
  );
  return { stdout: '', exitCode: 0 };
}

async function erase(ctx: HelperContext, input: Buffer): Promise<HelperAnswer> {
  const registry = registryOf(input);
  if (!registry) return notFound;
  const { key } = registry;
  const config = await readConfig(ctx);
  const bound = resolveBinding(config, 'docker', key);
  if (bound) {
    await dropBoundAccessToken(ctx, config, bound.account);
    return { stdout: '', exitCode: 0 };
  }
  const removed = await mutateState(ctx, (state) => {
    // `delete` says true for a key that was never there: ask first.
    if (state.secrets[registryKey(key)]?.kind !== 'docker') return false;
    delete state.secrets[registryKey(key)];
    return true;
  });
  return removed ? { stdout: '', exitCode: 0 } : notFound;
}

async function list(ctx: HelperContext): Promise<HelperAnswer> {
  const state = await readState(ctx);
  const entries: Record<string, string> = {};
  for (const binding of state.config.bindings) if (binding.tool === 'docker') entries[binding.host] = binding.username ?? DEFAULT_USERNAME;
  for (const entry of Object.values(state.secrets)) if (entry.kind === 'docker') entries[entry.serverURL] = entry.username;
  return { stdout: formatDockerList(entries), exitCode: 0 };
}

// `amplify auth setup docker`: a credHelpers entry in docker's config.json, every other key kept.
export const dockerConfigPath = (ctx: Pick<Context, 'env'>): string => join(ctx.env.DOCKER_CONFIG || join(home(ctx), '.docker'), 'config.json');

export const dockerSetup: ToolSetup = {
  bindingHosts(target) {
    const key = normalizeRegistry(target);
    if (!key) throw usageError(`--registry "${target}" is not a registry host[:port]; for example registry.example.com or 127.0.0.1:5000.`);
    return [key];
  },

  async configure(ctx, _request, _hosts, binding) {
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
  },

  async unconfigure(ctx, _request, hosts) {
    const file = dockerConfigPath(ctx);
    const config = await readToolJson(file);
    const credHelpers = isObject(config?.credHelpers) ? (config!.credHelpers as Record<string, string>) : undefined;
    if (!config || !credHelpers || credHelpers[hosts[0]!] !== 'amplify') return { changed: [], notes: [] };
    delete credHelpers[hosts[0]!];
    if (Object.keys(credHelpers).length === 0) delete config.credHelpers;
    await writeToolFile(file, `${JSON.stringify(config, null, '\t')}\n`);
    return { changed: [`${file}: removed credHelpers["${hosts[0]}"]`], notes: [] };
  },

  async check(ctx, binding) {
    const file = dockerConfigPath(ctx);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return { ok: false, detail: `${file} does not exist` };
    let helper: unknown;
    try {
      helper = (JSON.parse(text) as { credHelpers?: Record<string, unknown> }).credHelpers?.[binding.host];
    } catch (error) {
      return { ok: false, detail: `${file} is not valid JSON (${(error as Error).message})`, fix: `repair ${file}` };
    }
    if (helper !== 'amplify') return { ok: false, detail: `${file} credHelpers["${binding.host}"] is ${helper === undefined ? 'not set' : JSON.stringify(helper)}, not "amplify"` };
    const found = await onPath(ctx, 'docker-credential-amplify');
    if (!found) return { ok: false, detail: `${file} names "amplify" for ${binding.host}, but docker-credential-amplify is not on PATH, where docker looks for it`, fix: `add ${dirname(gitHelperPath())} to PATH (npm link, or a global npm install, does this)` };
    return { ok: true, detail: `${file} names "amplify" for ${binding.host}; ${found} is on PATH` };
  },
};
