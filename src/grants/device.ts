// A person on another device (`--device`, for SSH sessions and machines without a browser): RFC 8628.
import type { AccountGrant, LoginGrant } from './grant.js';

export const account: AccountGrant = {
  serviceAccount: false,
  relogin: { flags: () => '--device' },
};

export const login: LoginGrant = {
  flag: { name: '--device', option: 'device' },
  refuses: (options) =>
    options.username !== undefined || options.secretFile !== undefined || options.clientSecret !== undefined
      ? '--device logs a person in through a browser elsewhere; it does not combine with --username, --client-secret or --secret-file.'
      : undefined,
  secretOptions: [],
  browserRedirect: false,
  keeps: [],
  async run(ctx, options, { access, scope }) {
    const [{ deviceLogin }, { personAt }] = await Promise.all([import('../flows/device.js'), import('../prompts.js')]);
    return { tokens: await deviceLogin(ctx, { access, scope, person: personAt(ctx), launchBrowser: options.launchBrowser ?? true, timeoutSeconds: options.timeoutSeconds ?? 300 }), keep: {} };
  },
};
