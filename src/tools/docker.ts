// docker: docker-credential-amplify get|store|erase|list|version, and `setup docker --registry` (credHelpers).
import { lazyHandler, type ToolEntry } from './types.js';

const handler = lazyHandler(() => import('../credential/docker.js'), (m, ctx, action, input) => m.dockerCredential(ctx, action, input));

export const docker = {
  name: 'docker',
  executable: 'docker-credential-amplify',
  credential: {
    description: "docker's credential helper protocol (docker-credential-amplify)",
    examples: [['What docker would do', 'echo registry.example.com | $0 credential docker get']],
    args: [{ kind: 'positional', name: 'get|store|erase|list|version' }],
    call: (args) => ({ handler, action: args[0], readsStdin: args[0] === 'get' || args[0] === 'store' || args[0] === 'erase', errorsOnStdout: true }),
  },
  setup: {
    flag: '--registry',
    flagDescription: 'host[:port] of the registry',
    username: 'username docker is given (default oauth2)',
    description: 'make docker ask amplify for credentials for a registry',
    details: 'Adds a `credHelpers` entry to $DOCKER_CONFIG/config.json (default ~/.docker), keeping every other key.',
    examples: [['Bind a registry', '$0 auth setup docker --registry registry.example.com']],
    target: (host) => host,
    load: () => import('../setup/docker.js').then((m) => m.dockerSetup),
  },
} as const satisfies ToolEntry;
