// RFC 8628 device authorization grant: for SSH sessions and machines without a browser.
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import type { BrowserLoginOptions } from './pkce.js';
import type { TokenSet } from './tokens.js';

export async function deviceLogin(_ctx: Pick<Context, 'stderr' | 'openBrowser' | 'now' | 'isTTY'>, _options: BrowserLoginOptions): Promise<TokenSet> {
  throw new AmplifyError('ENOTIMPLEMENTED', 'device login is not built yet; log in with --client-secret, --secret-file or --username for now.');
}
