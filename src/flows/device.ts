// RFC 8628 device authorization grant: for SSH sessions and machines without a browser.
import * as oidc from 'openid-client';
import { AmplifyError } from '../errors.js';
import { issuerConfiguration, issuerDetail, issuerError, issuerText } from './issuer.js';
import { untilAborted } from './person.js';
import { refusal, type BrowserLoginContext, type BrowserLoginOptions } from './pkce.js';
import { toTokenSet, type TokenSet } from './tokens.js';

function pollFailure(error: unknown, issuer: string): AmplifyError {
  if ((error as { error?: unknown } | null)?.error === 'expired_token') {
    return new AmplifyError('ETIMEOUT', `the device code expired before the sign-in was approved (expired_token${issuerDetail(error)}); run \`amplify auth login --device\` again.`, { cause: error });
  }
  return refusal(error, issuer, 'waiting for the device sign-in');
}

export async function deviceLogin(ctx: BrowserLoginContext, options: BrowserLoginOptions): Promise<TokenSet> {
  const { access, scope, person } = options;
  const config = await issuerConfiguration({ ...access, clientAuth: oidc.None() });
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new AmplifyError('EISSUER', `${access.issuer} has no device authorization endpoint; log in without --device (a browser on this machine).`);
  }
  let started: oidc.DeviceAuthorizationResponse;
  try {
    started = await oidc.initiateDeviceAuthorization(config, { scope });
  } catch (error) {
    throw issuerError(error, access.issuer, 'starting the device sign-in');
  }

  // Ctrl-C and SIGTERM are a clean cancel from the moment the code is shown: their handlers go in before it is (a
  // signal between the two would otherwise kill the process with the default action).
  const wait = person.waitFor({
    timeoutSeconds: options.timeoutSeconds,
    timeoutMessage: `the device sign-in was not approved within ${options.timeoutSeconds} second${options.timeoutSeconds === 1 ? '' : 's'}; run \`amplify auth login --device\` again (--timeout <seconds> waits longer).`,
  });
  let spinner: { stop(): void } | undefined;
  try {
    const minutes = Math.max(1, Math.round(started.expires_in / 60));
    // What the issuer sent is shown to the person: without control characters.
    const uri = issuerText(started.verification_uri) ?? '';
    const code = issuerText(started.user_code) ?? '';
    const complete = issuerText(started.verification_uri_complete);
    // One write, so that whoever reads it (a person, a script waiting for the code) gets the link with the code.
    person.show(`To sign in, open ${uri} in a browser on any device and enter the code:\n\n    ${code}\n\n${complete ? `Or open this link, which carries the code:\n  ${complete}\n` : ''}`);
    if (options.launchBrowser) {
      try {
        await person.openBrowser(complete ?? uri);
        person.show('Opened a browser at that page.\n');
      } catch (error) {
        person.show(`Could not open a browser (${(error as Error).message}); use the link above.\n`);
      }
    }
    // A Ctrl-C while the browser was being opened ends the login here, before more is shown.
    if (wait.signal.aborted) throw wait.signal.reason;
    person.show(`The code expires in ${minutes} minute${minutes === 1 ? '' : 's'}.\n`);
    spinner = person.waiting(`Waiting for the code ${code} to be approved (Ctrl-C to cancel)…`);
    // openid-client waits the interval the issuer asks for and adds 5 s on each slow_down.
    const polling = oidc.pollDeviceAuthorizationGrant(config, started, undefined, { signal: wait.signal });
    const response = await untilAborted(polling, wait.signal);
    return toTokenSet(response, ctx.now());
  } catch (error) {
    if (wait.signal.aborted) throw wait.signal.reason;
    throw pollFailure(error, access.issuer);
  } finally {
    spinner?.stop();
    wait.done();
  }
}
