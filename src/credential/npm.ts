// amplify credential npm --registry <url> [--bearer]: the token of the account bound to a registry (setup npm or setup
// pnpm), as pnpm's tokenHelper launcher runs it. stdout carries the token and nothing else.
import { resolveBinding } from '../accounts/bindings.js';
import { getAccessToken } from '../accounts/tokens.js';
import { AmplifyError, errorLine } from '../errors.js';
import { formatNpmToken, npmRegistryKey } from '../protocols/npm.js';
import { readConfig } from '../store/config.js';
import type { HelperAnswer, HelperContext } from './io.js';

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
