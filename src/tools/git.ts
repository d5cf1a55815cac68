// git: git-credential-amplify get|store|erase|capability, and `setup git --host` (credential.<origin>.helper).
import { constants } from 'node:fs/promises';
import { resolveBinding } from '../accounts/bindings.js';
import { resolveAccount } from '../accounts/model.js';
import { dropCachedAccessToken, getAccessToken } from '../accounts/tokens.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import { AmplifyError, errorLine, usageError } from '../errors.js';
import { isLoopbackHost } from '../net/hosts.js';
import { formatGitCredential, formatGitQuit, GIT_CAPABILITIES, parseGitRequest } from '../protocols/git.js';
import { normalizeOrigin } from '../protocols/hosts.js';
import { escapeRegExp, exists, shellQuote } from '../setup/files.js';
import { gitHelperPath } from '../setup/paths.js';
import { readConfig } from '../store/config.js';
import type { ToolEntry, ToolSetup } from './types.js';

export const git = {
  name: 'git',
  executable: 'git-credential-amplify',
  credential: {
    description: "git's credential helper protocol (git-credential-amplify)",
    examples: [['What git would do', 'printf "protocol=https\\nhost=git.example.com\\n\\n" | $0 credential git get']],
    args: [{ kind: 'positional', name: 'get|store|erase|capability' }],
    call: (args) => ({ handler: gitCredential, action: args[0], readsStdin: args[0] !== 'capability', errorsOnStdout: false }),
  },
  setup: {
    flag: '--host',
    flagDescription: 'host[:port] of the git server',
    username: 'username git is given (default oauth2)',
    description: 'make git ask amplify for credentials for a host',
    details: 'Sets `credential.https://<host>.helper` in the global git config (GIT_CONFIG_GLOBAL is honoured); for a loopback host the http:// key too.',
    examples: [
      ['Use the selected account for a git host', '$0 auth setup git --host git.example.com'],
      ['Always use one account', '$0 auth setup git --host git.example.com --account my-sa'],
      ['Undo', '$0 auth setup git --host git.example.com --remove'],
    ],
    perAccount: true,
    target: (host) => host.replace(/^https?:\/\//, ''),
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./git.js').then((m) => m.gitSetup),
  },
} as const satisfies ToolEntry;

// git-credential-amplify: answers git's credential requests for bound hosts with the account's token.
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

// `amplify auth setup git`: credential.<origin>.helper in the global git config, set through git itself.
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

export const gitSetup: ToolSetup = {
  bindingHosts: gitOrigins,

  async configure(ctx, _request, hosts) {
    const helper = gitHelperPath();
    // git runs a helper given by absolute path through the shell: quote it where it has spaces.
    const value = /\s/.test(helper) ? shellQuote(helper) : helper;
    for (const origin of hosts) {
      // Reset first (an empty helper clears the inherited list), as `gh auth setup-git` does.
      await ctx.runTool('git', ['config', '--global', '--replace-all', `credential.${origin}.helper`, '']);
      await ctx.runTool('git', ['config', '--global', '--add', `credential.${origin}.helper`, value]);
    }
    return { changed: hosts.map((origin) => `git config --global credential.${origin}.helper ${value}`), notes: [] };
  },

  async unconfigure(ctx, _request, hosts) {
    const changed: string[] = [];
    for (const origin of hosts) {
      const key = `credential.${origin}.helper`;
      const { code } = await ctx.runTool('git', ['config', '--global', '--get-all', key], { allowExit: [1] });
      if (code !== 0) continue;
      await ctx.runTool('git', ['config', '--global', '--unset-all', key], { allowExit: [5] });
      changed.push(`git config --global --unset-all ${key}`);
      // An emptied [credential "<origin>"] section would linger as a bare header.
      const rest = await ctx.runTool('git', ['config', '--global', '--get-regexp', `^credential\\.${escapeRegExp(origin)}\\.`], { allowExit: [1] });
      if (rest.code === 1) await ctx.runTool('git', ['config', '--global', '--remove-section', `credential.${origin}`], { allowExit: [128] });
    }
    return { changed, notes: [] };
  },

  async check(ctx, binding) {
    const key = `credential.${binding.host}.helper`;
    const { stdout, code } = await ctx.runTool('git', ['config', '--global', '--get-all', key], { allowExit: [1] });
    const helpers = code === 0 ? stdout.split('\n').filter(Boolean) : [];
    const expected = gitHelperPath();
    const last = helpers[helpers.length - 1]?.replace(/^'(.*)'$/, '$1');
    if (!last) return { ok: false, detail: `git config has no ${key}` };
    if (last !== expected) return { ok: false, detail: `git config ${key} is "${last}", not this install's helper (${expected})` };
    if (!(await exists(expected, constants.X_OK))) return { ok: false, detail: `${expected} (named by ${key}) cannot be run` };
    return { ok: true, detail: `git config ${key} names this install's helper` };
  },
};
