// terraform-credentials-amplify: bound hosts get the account's token; other hosts keep what `store` gave.
import { resolveBinding } from '../accounts/bindings.js';
import { dropBoundAccessToken, getAccessToken } from '../accounts/tokens.js';
import { formatTerraformCredentials, parseTerraformArgs, parseTerraformStore } from '../protocols/terraform.js';
import { readConfig } from '../store/config.js';
import { mutateState, readState } from '../store/state.js';
import { terraformKey } from '../store/tokens.js';
import type { HelperAnswer, HelperContext } from './io.js';

const failed = (message: string, exitCode = 1): HelperAnswer => ({ stdout: '', stderr: `terraform-credentials-amplify: ${message}`, exitCode });

export async function terraformCredential(ctx: HelperContext, args: string[], input: Buffer): Promise<HelperAnswer> {
  const request = parseTerraformArgs(args);
  if (typeof request === 'string') return failed(request, 2);
  const { action, host } = request;
  const config = await readConfig(ctx);
  const bound = resolveBinding(config, 'terraform', host);
  if (action === 'get') {
    if (bound) {
      // A failure (an account that needs a new login) is Terraform's error to show: one line on stderr, exit 1.
      const { token } = await getAccessToken(ctx, { account: bound.account, config });
      return { stdout: formatTerraformCredentials({ token }), exitCode: 0 };
    }
    const stored = (await readState(ctx)).secrets[terraformKey(host)];
    return { stdout: formatTerraformCredentials(stored?.kind === 'terraform' ? stored.credentials : null), exitCode: 0 };
  }
  if (action === 'store') {
    const credentials = parseTerraformStore(input);
    if (credentials === null) return failed('store needs a JSON object on stdin');
    // A bound host gets fresh tokens from its account: what `terraform login` obtained is not kept.
    if (bound) return { stdout: '', exitCode: 0 };
    await mutateState(
      ctx,
      (state) => {
        state.secrets[terraformKey(host)] = { kind: 'terraform', host, credentials };
      },
      { probe: true },
    );
    return { stdout: '', exitCode: 0 };
  }
  if (bound) {
    await dropBoundAccessToken(ctx, config, bound.account);
    return { stdout: '', exitCode: 0 };
  }
  // Nothing stored, nothing to write (and the fast tier answers it).
  if ((await readState(ctx)).secrets[terraformKey(host)]?.kind !== 'terraform') return { stdout: '', exitCode: 0 };
  await mutateState(ctx, (state) => {
    if (state.secrets[terraformKey(host)]?.kind === 'terraform') delete state.secrets[terraformKey(host)];
  });
  return { stdout: '', exitCode: 0 };
}
