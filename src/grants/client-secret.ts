// Service account with a client secret (`--client-secret`, or AMPLIFY_CLIENT_SECRET with --client-id): client_credentials.
import type { AccountGrant, LoginGrant } from './grant.js';

/** A client secret kept with the account, in the style that worked at login. */
export const clientSecretAuth: AccountGrant['clientAuth'] = async (metadata, secrets, account) => {
  if (!secrets.clientSecret) return undefined;
  const { firstSecretStyle, secretClientAuth } = await import('../flows/client-auth.js');
  return secretClientAuth(account.clientAuth ?? firstSecretStyle(metadata), secrets.clientSecret);
};

export const account: AccountGrant = {
  serviceAccount: true,
  rerun(record, { clientSecret }) {
    if (!clientSecret) return undefined;
    return async (access, scope, now) => {
      const { clientSecretGrant } = await import('../flows/client-secret.js');
      return (await clientSecretGrant({ access, clientSecret, scope, now, style: record.clientAuth })).tokens;
    };
  },
  clientAuth: clientSecretAuth,
  relogin: { environment: 'AMPLIFY_CLIENT_SECRET' },
};

export const login: LoginGrant = {
  flag: { name: '--client-secret', option: 'clientSecret' },
  secretOptions: ['--client-secret'],
  browserRedirect: false,
  keeps: ['clientSecret'],
  async run(_ctx, options, { access, now }) {
    const { clientSecretGrant } = await import('../flows/client-secret.js');
    const clientSecret = options.clientSecret!;
    const { tokens, style } = await clientSecretGrant({ access, clientSecret, scope: options.scope, now });
    return { tokens, keep: { clientSecret }, clientAuth: style };
  },
};
