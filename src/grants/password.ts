// Username and password (`--username [<user>]`, `--password` or AMPLIFY_PASSWORD or a prompt): the password grant,
// with the client secret too where one is given or was kept.
import type { LoginContext } from '../accounts/login.js';
import { usageError } from '../errors.js';
import { clientSecretAuth } from './client-secret.js';
import type { AccountGrant, LoginGrant } from './grant.js';
import type { LoginOptions } from './index.js';

export const account: AccountGrant = {
  serviceAccount: false,
  clientAuth: clientSecretAuth,
  relogin: { flags: (record) => `--username ${record.user.email ?? ''}`.trimEnd() },
};

async function passwordCredentials(ctx: LoginContext, options: LoginOptions): Promise<{ username: string; password: string }> {
  let username = typeof options.username === 'string' ? options.username : undefined;
  let password = options.password;
  if (username !== undefined && password !== undefined) return { username, password };
  if (!ctx.isTTY) {
    throw usageError(
      username === undefined ? '--username without a value prompts for it, and there is no terminal; give --username <user> with --password or AMPLIFY_PASSWORD.' : `no password for ${username}: give --password or set AMPLIFY_PASSWORD (no terminal to prompt on).`,
    );
  }
  const { promptUsername, promptPassword } = await import('../prompts.js');
  username ??= await promptUsername(ctx);
  password ??= await promptPassword(ctx, username);
  return { username, password };
}

export const login: LoginGrant = {
  flag: { name: '--username', option: 'username' },
  refuses: (options) => (options.secretFile !== undefined ? '--username does not combine with --secret-file.' : undefined),
  secretOptions: ['--password', '--client-secret'],
  browserRedirect: false,
  keeps: ['clientSecret'],
  replaces(clientId, options) {
    if (typeof options.username !== 'string') return undefined;
    const wanted = options.username.toLowerCase();
    return (record) => record.clientId === clientId && [record.user.email, record.user.name, record.user.username].some((v) => v?.toLowerCase() === wanted);
  },
  async run(ctx, options, { access, scope, replaced, now }) {
    const { passwordGrant } = await import('../flows/password.js');
    const { username, password } = await passwordCredentials(ctx, options);
    // A confidential client's secret kept with the account is used again, so that the re-login hint (loginCommand)
    // works as written, without the secret in argv.
    const clientSecret = options.clientSecret ?? (replaced?.clientSecret || undefined);
    const { tokens, style } = await passwordGrant({ access, username, password, clientSecret, scope, now });
    return { tokens, keep: clientSecret ? { clientSecret } : {}, clientAuth: style };
  },
};
