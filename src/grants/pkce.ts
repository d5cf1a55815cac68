// A person in a browser on this machine, the default: authorization code with PKCE and a loopback redirect.
import type { AccountGrant, LoginGrant } from './grant.js';

export const account: AccountGrant = {
  serviceAccount: false,
  relogin: {},
};

export const login: LoginGrant = {
  flag: null,
  secretOptions: [],
  browserRedirect: true,
  keeps: [],
  async run(ctx, options, { access, scope, redirect }) {
    const { pkceLogin } = await import('../flows/pkce.js');
    return { tokens: await pkceLogin(ctx, { access, scope, redirect, launchBrowser: options.launchBrowser ?? true, timeoutSeconds: options.timeoutSeconds ?? 300 }), keep: {} };
  },
};
