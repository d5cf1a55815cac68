// docker-credential-amplify: bound registries get the account's token; other registries keep what `store` gave.
import { DEFAULT_USERNAME, resolveBinding } from '../accounts/bindings.js';
import { dropBoundAccessToken, getAccessToken } from '../accounts/tokens.js';
import { errorLine } from '../errors.js';
import { DOCKER_NOT_FOUND, formatDockerCredential, formatDockerList, parseDockerStore, parseServerUrl } from '../protocols/docker.js';
import { normalizeRegistry } from '../protocols/hosts.js';
import { readConfig } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { registryKey } from '../store/tokens.js';
import { version } from '../version.js';
import type { HelperAnswer, HelperContext } from './io.js';

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
