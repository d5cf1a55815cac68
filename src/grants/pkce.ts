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
    const [{ pkceLogin }, { personAt }] = await Promise.all([import('../flows/pkce.js'), import('../prompts.js')]);
    return { tokens: await pkceLogin(ctx, { access, scope, redirect, person: personAt(ctx), launchBrowser: options.launchBrowser ?? true, timeoutSeconds: options.timeoutSeconds ?? 300 }), keep: {} };
  },
};
