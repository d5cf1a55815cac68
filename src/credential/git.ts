// git-credential-amplify: answers git's credential requests for bound hosts with the account's token.
import { resolveBinding } from '../accounts/bindings.js';
import { resolveAccount } from '../accounts/model.js';
import { dropCachedAccessToken, getAccessToken } from '../accounts/tokens.js';
import { AmplifyError, errorLine } from '../errors.js';
import { formatGitCredential, formatGitQuit, GIT_CAPABILITIES, parseGitRequest } from '../protocols/git.js';
import { readConfig } from '../store/config.js';
import type { HelperAnswer, HelperContext } from './io.js';

const nothing: HelperAnswer = { stdout: '', exitCode: 0 };

export async function gitCredential(ctx: HelperContext, action: string | undefined, input: Buffer): Promise<HelperAnswer> {
  if (action === 'capability') return { stdout: GIT_CAPABILITIES, exitCode: 0 };
  // git offers every credential that worked to every helper; the token is the account's, not git's to keep.
  if (action === 'store') return nothing;
  if (action !== 'get' && action !== 'erase') {
    return { stdout: '', stderr: `git-credential-amplify: unknown action "${action ?? ''}"; git calls it with get, store, erase or capability.`, exitCode: 2 };
  }
  const request = parseGitRequest(input);
  if (!request) return nothing;
  const config = await readConfig(ctx);
  const bound = resolveBinding(config, 'git', request.origin, request.username);
  if (!bound) return nothing;

  if (action === 'erase') {
    // Only the token git just saw fail is dropped; the next get refreshes. Nobody is logged out.
    const used = request.credential ?? request.password;
    let account: string;
    try {
      account = resolveAccount(config, bound.account).name;
    } catch {
      return nothing;
    }
    if (used) await dropCachedAccessToken(ctx, account, used);
    return nothing;
  }

  try {
    const { token, expiresAt } = await getAccessToken(ctx, { account: bound.account, config });
    return {
      stdout: formatGitCredential({ username: bound.username, token, expiresAt: expiresAt === null ? null : new Date(expiresAt), authtype: request.capabilities.includes('authtype') }),
      exitCode: 0,
    };
  } catch (error) {
    if (error instanceof AmplifyError && (error.code === 'ENEEDSLOGIN' || error.code === 'ENOACCOUNT')) {
      // quit=1: git stops here instead of prompting for a password that cannot work.
      return { stdout: formatGitQuit(), stderr: `amplify: ${request.origin}: ${error.message}`, exitCode: 0 };
    }
    return { stdout: '', stderr: errorLine(error), exitCode: 1 };
  }
}
