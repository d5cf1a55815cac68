// git: git-credential-amplify get|store|erase|capability, and `setup git --host` (credential.<origin>.helper).
import { lazyHandler, type ToolEntry } from './types.js';

const handler = lazyHandler(() => import('../credential/git.js'), (m, ctx, action, input) => m.gitCredential(ctx, action, input));

export const git = {
  name: 'git',
  executable: 'git-credential-amplify',
  credential: {
    description: "git's credential helper protocol (git-credential-amplify)",
    examples: [['What git would do', 'printf "protocol=https\\nhost=git.example.com\\n\\n" | $0 credential git get']],
    args: [{ kind: 'positional', name: 'get|store|erase|capability' }],
    call: (args) => ({ handler, action: args[0], readsStdin: args[0] !== 'capability', errorsOnStdout: false }),
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
    load: () => import('../setup/git.js').then((m) => m.gitSetup),
  },
} as const satisfies ToolEntry;
