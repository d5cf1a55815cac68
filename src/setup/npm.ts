// `amplify auth setup npm`: the binding alone (auth exec sets npm_config_//host/path/:_authToken), and the
// placeholder line an earlier version wrote to the user .npmrc taken out.
import { readFile } from 'node:fs/promises';
import { setupCommand } from '../accounts/bindings.js';
import { npmRegistryKey } from '../protocols/npm.js';
import type { ToolSetup } from '../tools/types.js';
import { npmrcPath, placeholderLine, removeNpmrcLine } from './npmrc.js';

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
    const text = (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/);
    // auth exec sets npm_config_<key>:_authToken; the placeholder an earlier setup npm wrote makes pnpm drop the whole file.
    const line = `${binding.host}:_authToken=\${NODE_AUTH_TOKEN}`;
    if (text.some((l) => l.replace(/\s*=\s*/, '=').trim() === line)) {
      return { ok: false, detail: `${file} still has ${line}, which pnpm reads as a reason to drop the whole file while NODE_AUTH_TOKEN is unset`, fix: `${setupCommand(binding)} (it removes the line)` };
    }
    return { ok: true, detail: `amplify auth exec sets npm_config_${binding.host}:_authToken (run npm through \`amplify auth exec -- npm …\`)` };
  },
};
