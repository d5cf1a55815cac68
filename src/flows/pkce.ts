// Authorization code + PKCE in the person's browser, with a one-shot loopback callback server.
import * as oidc from 'openid-client';
import type { Context } from '../context.js';
import { AmplifyError } from '../errors.js';
import { issuerConfiguration, issuerDetail, issuerError, type IssuerClient } from './issuer.js';
import { startLoopback, type RedirectPlan } from './loopback.js';
import { untilAborted, type Person } from './person.js';
import { toTokenSet, type TokenSet } from './tokens.js';

export type BrowserLoginContext = Pick<Context, 'now'>;

export interface BrowserLoginOptions {
  access: IssuerClient & { metadata: Record<string, unknown> };
  scope: string;
  launchBrowser: boolean;
  timeoutSeconds: number;
  /** Who signs in: shown the URL or code, and waited on. */
  person: Person;
  /** Where the browser comes back to (browser logins only). */
  redirect?: RedirectPlan;
}

/** What the issuer said when it refused the person (error=access_denied and friends), in one line. */
export function refusal(error: unknown, issuer: string, doing: string): AmplifyError {
  const e = error as { error?: unknown };
  if (typeof e?.error === 'string' && !(error instanceof AmplifyError)) {
    if (e.error === 'access_denied') return new AmplifyError('EAUTH', `the sign-in was denied at ${issuer}: access_denied${issuerDetail(error)}; run the login again to retry.`, { cause: error });
  }
  return issuerError(error, issuer, doing);
}

/** Hands the URL to the browser, or to the person when no browser should open or none could. */
async function showUrl(person: Person, url: string, launchBrowser: boolean, what: string): Promise<void> {
  if (launchBrowser) {
    try {
      await person.openBrowser(url);
      person.show(`Opened a browser to ${what}. If it did not open, visit:\n  ${url}\n`);
      return;
    } catch (error) {
      person.show(`Could not open a browser (${(error as Error).message}).\n`);
    }
  }
  person.show(`Open this URL in a browser to ${what}:\n  ${url}\n`);
}

export async function pkceLogin(ctx: BrowserLoginContext, options: BrowserLoginOptions): Promise<TokenSet> {
  const { access, scope, person } = options;
  const config = await issuerConfiguration({ ...access, clientAuth: oidc.None() });
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();

  const wait = person.waitFor({
    timeoutSeconds: options.timeoutSeconds,
    timeoutMessage: `no sign-in came back from the browser within ${options.timeoutSeconds} second${options.timeoutSeconds === 1 ? '' : 's'}; run \`amplify auth login\` again (--timeout <seconds> waits longer, --device suits machines without a browser).`,
  });
  let spinner: { stop(): void } | undefined;
  try {
    const server = await startLoopback({
      redirect: options.redirect ?? { kind: 'rfc8252' },
      warn: (message) => person.warn(message),
      state,
      signal: wait.signal,
      complete: async (callbackUrl) => {
        try {
          // Checks state, iss and the code, redeems it with the verifier, and validates the ID token (nonce included).
          const response = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
          return toTokenSet(response, ctx.now());
        } catch (error) {
          throw refusal(error, access.issuer, 'completing the browser sign-in');
        }
      },
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: server.redirectUri,
      scope,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    await showUrl(person, url.href, options.launchBrowser, 'sign in');
    spinner = person.waiting('Waiting for the sign-in in the browser (Ctrl-C to cancel)…');
    return await untilAborted(server.result, wait.signal);
  } finally {
    spinner?.stop();
    wait.done();
  }
}
