// kubectl: `amplify credential kubectl [--account]` (an exec credential plugin, no executable of its own), and
// `setup kubectl --cluster` (a kubeconfig user with an exec entry).
import { lazyHandler, type ToolEntry } from './types.js';

/** `--account <name>` or `--account=<name>`, as kubeconfig's exec args give it. */
function accountOf(args: string[]): string | undefined {
  const at = args.indexOf('--account');
  return at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--account='))?.slice('--account='.length);
}

export const kubectl = {
  name: 'kubectl',
  credential: {
    description: "kubectl's exec credential plugin: prints an ExecCredential",
    examples: [['Run by kubectl through a kubeconfig exec entry', '$0 credential kubectl --account my-sa']],
    args: [{ kind: 'string', name: '--account', description: 'the account to use instead of the default' }],
    call: (args) => {
      const account = accountOf(args);
      return { handler: lazyHandler(() => import('../credential/kubectl.js'), (m, ctx) => m.kubectlCredential(ctx, account)), action: undefined, readsStdin: false, errorsOnStdout: false };
    },
  },
  setup: {
    flag: '--cluster',
    flagDescription: 'cluster name in the kubeconfig',
    description: 'make kubectl get its token from amplify for a cluster',
    details: 'Adds a kubeconfig user with an exec entry running `amplify credential kubectl`, used by the contexts of that cluster.',
    examples: [['Bind a cluster', '$0 auth setup kubectl --cluster prod-eu']],
    target: (host) => host,
    load: () => import('../setup/kubectl.js').then((m) => m.kubectlSetup),
  },
} as const satisfies ToolEntry;
