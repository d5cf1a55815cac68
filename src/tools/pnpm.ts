// pnpm: `setup pnpm --registry` (a tokenHelper launcher in the user .npmrc); it answers through `credential npm`.
import type { ToolEntry } from './types.js';

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
    load: () => import('../setup/pnpm.js').then((m) => m.pnpmSetup),
  },
} as const satisfies ToolEntry;
