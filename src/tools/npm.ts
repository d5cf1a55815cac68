// npm: `amplify credential npm --registry <url> [--bearer]` (what pnpm's launcher runs), and `setup npm --registry`
// (auth exec sets npm_config_//host/path/:_authToken).
import { readFile } from 'node:fs/promises';
import { resolveBinding, setupCommand } from '../accounts/bindings.js';
import { getAccessToken } from '../accounts/tokens.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import { AmplifyError, errorLine } from '../errors.js';
import { formatNpmToken, npmRegistryKey } from '../protocols/npm.js';
import { hasNpmrcLine, npmrcPath, placeholderLine, removeNpmrcLine } from '../setup/npmrc.js';
import { readConfig } from '../store/config.js';
import type { ToolEntry, ToolSetup } from './types.js';

export const npm = {
  name: 'npm',
  credential: {
    description: "prints the token of the account bound to an npm registry (pnpm's tokenHelper)",
    details: 'Nothing else goes to stdout. `--bearer` prints `Bearer <token>`, what pnpm sends as the Authorization header; `amplify auth setup pnpm` writes a launcher that runs it.',
    examples: [['What the pnpm launcher runs', '$0 credential npm --registry https://registry.example.com/npm/ --bearer']],
    args: [
      { kind: 'string', name: '--registry', required: true, placeholder: '<url>', description: 'registry URL (bound with setup npm or setup pnpm)' },
      { kind: 'boolean', name: '--bearer', description: 'print `Bearer <token>`' },
    ],
    optionLine: true,
    call: (args) => ({ handler: (ctx) => npmCredential(ctx, args), action: undefined, readsStdin: false, errorsOnStdout: false }),
  },
  setup: {
    flag: '--registry',
    flagDescription: 'registry URL',
    placeholder: '<url>',
    description: 'give npm the token for a registry through amplify auth exec',
    details: 'Binds the registry; `amplify auth exec -- npm ...` then sets `npm_config_//<host>/<path>/:_authToken` for every bound registry, so nothing is written to .npmrc (a `${NODE_AUTH_TOKEN}` line an earlier version wrote there is removed).',
    examples: [['Bind a registry', '$0 auth setup npm --registry https://registry.example.com/npm/']],
    target: (host) => `https:${host}`,
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./npm.js').then((m) => m.npmSetup),
  },
} as const satisfies ToolEntry;

// amplify credential npm --registry <url> [--bearer]: the token of the account bound to a registry (setup npm or setup
// pnpm), as pnpm's tokenHelper launcher runs it. stdout carries the token and nothing else.
const USAGE = 'usage: amplify credential npm --registry <url> [--bearer]';

/** `--registry <url>` or `--registry=<url>` once, `--bearer` at most once; a message where anything else is there. */
export function parseNpmArgs(args: string[]): { registry: string; bearer: boolean } | { error: string } {
  let registry: string | undefined;
  let bearer = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--bearer' && !bearer) bearer = true;
    else if (arg === '--registry' && registry === undefined && args[i + 1] !== undefined) registry = args[++i];
    else if (arg.startsWith('--registry=') && registry === undefined) registry = arg.slice('--registry='.length);
    else return { error: `amplify: unexpected "${arg}"; ${USAGE}` };
  }
  return registry ? { registry, bearer } : { error: `amplify: --registry is required; ${USAGE}` };
}

export async function npmCredential(ctx: HelperContext, args: string[]): Promise<HelperAnswer> {
  const parsed = parseNpmArgs(args);
  if ('error' in parsed) return { stdout: '', stderr: parsed.error, exitCode: 2 };
  let key: string;
  try {
    key = npmRegistryKey(parsed.registry);
  } catch (error) {
    return { stdout: '', stderr: errorLine(error), exitCode: 2 };
  }
  const config = await readConfig(ctx);
  // A registry set up for pnpm answers with its binding; one set up for npm (auth exec) answers the same way.
  const bound = resolveBinding(config, 'pnpm', key) ?? resolveBinding(config, 'npm', key);
  if (!bound) {
    // Non-zero, so that pnpm stops with this line instead of sending an empty Authorization header.
    return { stdout: '', stderr: `amplify: ${key} is not bound to an account; run \`amplify auth setup pnpm --registry ${parsed.registry}\`.`, exitCode: 1 };
  }
  try {
    const { token } = await getAccessToken(ctx, { account: bound.account, config });
    return { stdout: formatNpmToken(token, parsed.bearer), exitCode: 0 };
  } catch (error) {
    const login = error instanceof AmplifyError && (error.code === 'ENEEDSLOGIN' || error.code === 'ENOACCOUNT');
    return { stdout: '', stderr: `amplify: ${login ? `${key}: ` : ''}${(error as Error).message}`, exitCode: 1 };
  }
}

// `amplify auth setup npm`: the binding alone (auth exec sets npm_config_//host/path/:_authToken), and the
// placeholder line an earlier version wrote to the user .npmrc taken out.
export const npmSetup: ToolSetup = {
  bindingHosts: (target) => [npmRegistryKey(target)],

  async configure(ctx, _request, _hosts, binding) {
    // auth exec sets npm_config_//host/path/:_authToken: the .npmrc gets nothing, and loses the placeholder an earlier version wrote.
    const removed = await removeNpmrcLine(ctx, placeholderLine(binding.host));
    return { changed: removed, notes: ['run npm through `amplify auth exec -- npm ...`: it sets the token for every registry bound with setup npm.'] };
  },

  async unconfigure(ctx, _request, hosts) {
    return { changed: await removeNpmrcLine(ctx, placeholderLine(hosts[0]!)), notes: [] };
  },

  async check(ctx, binding) {
    const file = npmrcPath(ctx);
    const lines = (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/);
    // auth exec sets npm_config_<key>:_authToken; the placeholder an earlier setup npm wrote makes pnpm drop the whole file.
    const line = placeholderLine(binding.host);
    if (hasNpmrcLine(lines, line)) {
      return { ok: false, detail: `${file} still has ${line}, which pnpm reads as a reason to drop the whole file while NODE_AUTH_TOKEN is unset`, fix: `${setupCommand(binding)} (it removes the line)` };
    }
    return { ok: true, detail: `amplify auth exec sets npm_config_${binding.host}:_authToken (run npm through \`amplify auth exec -- npm …\`)` };
  },
};
