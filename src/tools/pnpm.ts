// pnpm: `setup pnpm --registry` (a tokenHelper launcher in the user .npmrc); it answers through `credential npm`.
import { constants, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { npmRegistryKey } from '../protocols/npm.js';
import { exists, joinLines, readTextOptional, shellQuote, splitLines, writeLauncher, writeToolFile } from '../setup/files.js';
import { hasNpmrcLine, isNpmSettingLine, npmrcPath, placeholderLine, removeNpmrcLine } from '../setup/npmrc.js';
import { amplifyBinPath } from '../setup/paths.js';
import type { ToolEntry, SetupContext, ToolChange, ToolSetup } from './types.js';

export const pnpm = {
  name: 'pnpm',
  setup: {
    flag: '--registry',
    flagDescription: 'registry URL',
    placeholder: '<url>',
    description: 'make pnpm ask amplify for the token of a registry (no wrapper)',
    details: 'Writes a launcher for the registry in the config directory and `//<host>/<path>/:tokenHelper=<launcher>` to the user .npmrc (NPM_CONFIG_USERCONFIG is honoured), keeping every other line. npm warns about the tokenHelper key, which it does not know.',
    examples: [['Bind a registry', '$0 auth setup pnpm --registry https://registry.example.com/npm/']],
    target: (host) => `https:${host}`,
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./pnpm.js').then((m) => m.pnpmSetup),
  },
} as const satisfies ToolEntry;

// `amplify auth setup pnpm`: a launcher per registry (pnpm runs an absolute path without arguments) and its
// tokenHelper line in the user .npmrc.
/** The launcher pnpm runs for one registry: pnpm takes an absolute path without arguments, so each registry gets its own. */
export const pnpmLauncherPath = (ctx: Pick<Context, 'configDir'>, key: string): string =>
  join(ctx.configDir, 'bin', `pnpm-token-${sha256(key).slice(0, 16)}`);

// node:crypto once a setup runs, not when this module loads: every command of the CLI loads the tool table.
const sha256 = (text: string): string => process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');

async function configurePnpm(ctx: SetupContext, registry: string, key: string): Promise<ToolChange> {
  const launcher = pnpmLauncherPath(ctx, key);
  // node and the bundle by absolute path (pnpm's PATH may hold neither); the token is fetched at each run, never written here.
  const script = `#!/bin/sh\n# Written by amplify auth setup pnpm for ${key}: prints "Bearer <token>" for pnpm's tokenHelper.\nexec ${[process.execPath, amplifyBinPath(), 'credential', 'npm', '--registry', registry, '--bearer'].map(shellQuote).join(' ')}\n`;
  await writeLauncher(launcher, script, 0o700);
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
  if (hasNpmrcLine(lines, placeholderLine(key))) changed.push(...(await removeNpmrcLine(ctx, placeholderLine(key))));
  return { changed, notes };
}

export const pnpmSetup: ToolSetup = {
  bindingHosts: (target) => [npmRegistryKey(target)],

  configure: (ctx, request, _hosts, binding) => configurePnpm(ctx, request.target, binding.host),

  async unconfigure(ctx, _request, hosts) {
    const launcher = pnpmLauncherPath(ctx, hosts[0]!);
    const changed = await removeNpmrcLine(ctx, `${hosts[0]}:tokenHelper=${launcher}`);
    if (await rm(launcher).then(() => true, () => false)) changed.push(`removed ${launcher}`);
    return { changed, notes: [] };
  },

  async check(ctx, binding) {
    const file = npmrcPath(ctx);
    const line = (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/).find((l) => l.trim().startsWith(`${binding.host}:tokenHelper=`));
    if (!line) return { ok: false, detail: `${file} has no ${binding.host}:tokenHelper line` };
    const launcher = line.slice(line.indexOf('=') + 1).trim();
    if (!(await exists(launcher, constants.X_OK))) return { ok: false, detail: `${file} names the token helper ${launcher}, which does not exist (or cannot be run)` };
    return { ok: true, detail: `${file} has the tokenHelper line for ${binding.host}; ${launcher} exists` };
  },
};
