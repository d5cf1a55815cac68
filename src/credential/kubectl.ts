// amplify credential kubectl: an ExecCredential with the account's token, in the apiVersion kubectl asked for.
import { getAccessToken } from '../accounts/tokens.js';
import { errorLine } from '../errors.js';
import { formatExecCredential, parseExecInfo } from '../protocols/kubectl.js';
import type { HelperAnswer, HelperContext } from './io.js';

export async function kubectlCredential(ctx: HelperContext, account: string | undefined): Promise<HelperAnswer> {
  const info = parseExecInfo(ctx.env.KUBERNETES_EXEC_INFO);
  if ('error' in info) return { stdout: '', stderr: `amplify: ${info.error}.`, exitCode: 1 };
  try {
    const { token, expiresAt } = await getAccessToken(ctx, { account });
    return { stdout: formatExecCredential(info.apiVersion, token, expiresAt === null ? null : new Date(expiresAt)), exitCode: 0 };
  } catch (error) {
    return { stdout: '', stderr: errorLine(error), exitCode: 1 };
  }
}
