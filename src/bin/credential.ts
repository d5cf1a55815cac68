// The credential helpers' one way in, shared by git-credential-amplify, docker-credential-amplify and `amplify credential`.
import { dockerCredential } from '../credential/docker.js';
import { gitCredential } from '../credential/git.js';
import { kubectlCredential } from '../credential/kubectl.js';
import { runHelper, type HelperCall } from '../credential/main.js';

export type CredentialTool = 'git' | 'docker' | 'kubectl';

/** What answers `tool args...`: args are what follows the tool's name on the command line. */
export function credentialCall(tool: CredentialTool, args: string[]): HelperCall {
  const action = args[0];
  if (tool === 'git') return { handler: gitCredential, action, readsStdin: action !== 'capability', errorsOnStdout: false };
  if (tool === 'docker') return { handler: dockerCredential, action, readsStdin: action === 'get' || action === 'store' || action === 'erase', errorsOnStdout: true };
  const at = args.indexOf('--account');
  const account = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--account='))?.slice('--account='.length);
  return { handler: (ctx) => kubectlCredential(ctx, account), action: undefined, readsStdin: false, errorsOnStdout: false };
}

/** Answers one request of git, docker or kubectl; `input` is stdin when the fast tier has read it already. */
export function runCredential(tool: CredentialTool, args: string[], input?: Buffer): Promise<void> {
  return runHelper(credentialCall(tool, args), input);
}
