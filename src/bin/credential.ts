// The credential helpers' one way in, shared by git-credential-amplify, docker-credential-amplify and `amplify credential`.
import { credentialCall, runHelper, type CredentialTool } from '../credential/main.js';

export type { CredentialTool };

/** Answers one request of git, docker or kubectl; `input` is stdin when the fast tier has read it already. */
export function runCredential(tool: CredentialTool, args: string[], input?: Buffer): Promise<void> {
  return runHelper(credentialCall(tool, args), input);
}
