// amplify's per-user directories by the platform's convention (XDG's on Linux): its configuration and its code caches.
// Only node:path: the helpers' launcher (src/bin/fast-start.ts) finds its code cache with this before anything else loads.
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

interface Convention {
  /** The variable that names the base, else the base under the home directory; then amplify's folder and what follows it. */
  win32: { variable: string; underHome: string[]; after: string[] };
  darwin: string[];
  xdg: { variable: string; underHome: string };
}

const CONVENTIONS: Readonly<Record<'config' | 'cache', Convention>> = {
  config: { win32: { variable: 'APPDATA', underHome: ['AppData', 'Roaming'], after: [] }, darwin: ['Library', 'Preferences'], xdg: { variable: 'XDG_CONFIG_HOME', underHome: '.config' } },
  cache: { win32: { variable: 'LOCALAPPDATA', underHome: ['AppData', 'Local'], after: ['Cache'] }, darwin: ['Library', 'Caches'], xdg: { variable: 'XDG_CACHE_HOME', underHome: '.cache' } },
};

/** amplify's directory of this kind for the user; without a home directory, only where the environment names the base. */
export function userDir(kind: 'config' | 'cache', env: Env, platform: NodeJS.Platform, home: string): string;
export function userDir(kind: 'config' | 'cache', env: Env, platform: NodeJS.Platform, home: string | undefined): string | undefined;
export function userDir(kind: 'config' | 'cache', env: Env, platform: NodeJS.Platform, home: string | undefined): string | undefined {
  const convention = CONVENTIONS[kind];
  if (platform === 'win32') {
    const { variable, underHome, after } = convention.win32;
    const base = env[variable];
    return base ? join(base, 'amplify', ...after) : home && join(home, ...underHome, 'amplify', ...after);
  }
  if (platform === 'darwin') return home && join(home, ...convention.darwin, 'amplify');
  const base = env[convention.xdg.variable];
  return base ? join(base, 'amplify') : home && join(home, convention.xdg.underHome, 'amplify');
}
