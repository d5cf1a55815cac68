#!/usr/bin/env node
// The `amplify` executable. `amplify credential ...` (run by git, docker and kubectl) skips the command tree.
import { createContext } from '../context.js';

const argv = process.argv.slice(2);
const [first, tool, ...rest] = argv;
const wantsHelp = argv.includes('--help') || argv.includes('-h');

async function start(): Promise<void> {
  if (first === 'credential' && !wantsHelp && (tool === 'git' || tool === 'docker' || tool === 'kubectl')) {
    const { runHelper } = await import('../credential/main.js');
    if (tool === 'git') {
      const { gitCredential } = await import('../credential/git.js');
      return runHelper(gitCredential, rest[0], { readsStdin: rest[0] !== 'capability', errorsOnStdout: false });
    }
    if (tool === 'docker') {
      const { dockerCredential } = await import('../credential/docker.js');
      return runHelper(dockerCredential, rest[0], { readsStdin: ['get', 'store', 'erase'].includes(rest[0] ?? ''), errorsOnStdout: true });
    }
    const { kubectlCredential } = await import('../credential/kubectl.js');
    const at = rest.indexOf('--account');
    const account = at >= 0 ? rest[at + 1] : rest.find((a) => a.startsWith('--account='))?.slice('--account='.length);
    return runHelper((ctx) => kubectlCredential(ctx, account), undefined, { readsStdin: false, errorsOnStdout: false });
  }
  const ctx = createContext();
  const [{ main }, { reportError }] = await Promise.all([import('../cli.js'), import('../commands/base.js')]);
  try {
    process.exitCode = await main(argv, ctx);
  } catch (error) {
    process.exitCode = reportError(ctx, error, false);
  }
}

void start();
