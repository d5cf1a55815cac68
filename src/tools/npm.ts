// npm: `amplify credential npm --registry <url> [--bearer]` (what pnpm's launcher runs), and `setup npm --registry`
// (auth exec sets npm_config_//host/path/:_authToken).
import { lazyHandler, type ToolEntry } from './types.js';

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
    call: (args) => ({ handler: lazyHandler(() => import('../credential/npm.js'), (m, ctx) => m.npmCredential(ctx, args)), action: undefined, readsStdin: false, errorsOnStdout: false }),
  },
  setup: {
    flag: '--registry',
    flagDescription: 'registry URL',
    placeholder: '<url>',
    description: 'give npm the token for a registry through amplify auth exec',
    details: 'Binds the registry; `amplify auth exec -- npm ...` then sets `npm_config_//<host>/<path>/:_authToken` for every bound registry, so nothing is written to .npmrc (a `${NODE_AUTH_TOKEN}` line an earlier version wrote there is removed).',
    examples: [['Bind a registry', '$0 auth setup npm --registry https://registry.example.com/npm/']],
    target: (host) => `https:${host}`,
    load: () => import('../setup/npm.js').then((m) => m.npmSetup),
  },
} as const satisfies ToolEntry;
