// `amplify auth setup git`: credential.<origin>.helper in the global git config, set through git itself.
import { constants } from 'node:fs/promises';
import { usageError } from '../errors.js';
import { isLoopbackHost } from '../net/hosts.js';
import { normalizeOrigin } from '../protocols/hosts.js';
import type { ToolSetup } from '../tools/types.js';
import { escapeRegExp, exists } from './files.js';
import { gitHelperPath } from './paths.js';

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
    const value = /\s/.test(helper) ? `'${helper.replace(/'/g, `'\\''`)}'` : helper;
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
