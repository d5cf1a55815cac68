// Service account with a signed JWT (`--secret-file <key.pem>`): client_credentials with private_key_jwt.
import type { AccountGrant, LoginGrant } from './grant.js';

export const account: AccountGrant = {
  serviceAccount: true,
  rerun(record, { privateKey }) {
    if (!privateKey) return undefined;
    return async (access, scope, now) => {
      const { signedJwtGrant } = await import('../flows/signed-jwt.js');
      return (await signedJwtGrant({ access, privateKeyPem: privateKey, scope, now, style: record.clientAuth })).tokens;
    };
  },
  async clientAuth(metadata, secrets, record) {
    if (!secrets.privateKey) return undefined;
    const [{ firstJwtStyle }, { privateKeyJwtAuth }] = await Promise.all([import('../flows/client-auth.js'), import('../flows/signed-jwt.js')]);
    return privateKeyJwtAuth(secrets.privateKey, record.clientAuth ?? firstJwtStyle(record.amplify ?? false), metadata);
  },
  relogin: { flags: () => '--secret-file <key.pem>' },
};

export const login: LoginGrant = {
  flag: { name: '--secret-file', option: 'secretFile' },
  refuses: (options) =>
    options.clientSecret !== undefined && options.username === undefined ? '--client-secret and --secret-file are two ways to log a service account in; give one.' : undefined,
  secretOptions: [],
  browserRedirect: false,
  keeps: ['privateKey'],
  async run(_ctx, options, { access, now }) {
    const { readPrivateKeyFile, signedJwtGrant } = await import('../flows/signed-jwt.js');
    const privateKey = await readPrivateKeyFile(options.secretFile!);
    const { tokens, style } = await signedJwtGrant({ access, privateKeyPem: privateKey, scope: options.scope, now });
    return { tokens, keep: { privateKey }, clientAuth: style };
  },
};
