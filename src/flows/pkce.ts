// Authorization code + PKCE in the person's browser, with a one-shot loopback callback server.
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import type { IssuerAccess } from './issuer.js';
import type { TokenSet } from './tokens.js';

export interface BrowserLoginOptions {
  access: IssuerAccess & { metadata: Record<string, unknown> };
  scope: string;
  launchBrowser: boolean;
  timeoutSeconds: number;
}

export async function pkceLogin(_ctx: Pick<Context, 'stderr' | 'openBrowser' | 'now' | 'isTTY'>, _options: BrowserLoginOptions): Promise<TokenSet> {
  throw new AmplifyError('ENOTIMPLEMENTED', 'browser (PKCE) login is not built yet; log in with --client-secret, --secret-file or --username for now.');
}
