// `amplify auth setup docker`: a credHelpers entry in docker's config.json, every other key kept.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { normalizeRegistry } from '../protocols/hosts.js';
import type { ToolSetup } from '../tools/types.js';
import { isObject } from '../json.js';
import { home, onPath, readToolJson, writeToolFile } from './files.js';
import { gitHelperPath } from './paths.js';

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
