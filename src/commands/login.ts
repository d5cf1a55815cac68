// amplify auth login: sign a person or a service account in; the flags pick the grant.
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { usageError } from '../errors.js';
import { registerSecret } from '../log.js';
import { AmplifyCommand, printJson } from './base.js';

export class LoginCommand extends AmplifyCommand {
  static override paths = [['auth', 'login']];
  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'log in to the Amplify Platform or any OpenID Connect issuer',
    details: `
      Without flags: a browser login (authorization code with PKCE). \`--device\` for machines without a browser,
      \`--client-secret\` or \`--secret-file\` (with \`--client-id\`) for service accounts, \`--username\` for a password login.
      Secrets can come from AMPLIFY_CLIENT_SECRET and AMPLIFY_PASSWORD instead of the command line.
    `,
    examples: [
      ['Log in with a browser', '$0 auth login'],
      ['Log in over SSH', '$0 auth login --device'],
      ['A service account with a secret from the environment', 'AMPLIFY_CLIENT_SECRET=... $0 auth login --client-id my-sa'],
      ['A service account with a signed JWT', '$0 auth login --client-id my-sa --secret-file ./private_key.pem'],
      ['Any OIDC issuer', '$0 auth login --issuer https://id.example.com/realms/main --client-id my-cli'],
      ['A private Amplify deployment', '$0 auth login --base-url https://amplify.example.com'],
    ],
  });

  env = Option.String('--env', { description: 'prod, staging or preprod (default prod)', validator: t.isEnum(['prod', 'staging', 'preprod']) });
  issuer = Option.String('--issuer', { description: 'any OpenID Connect issuer URL, or its discovery URL' });
  baseUrl = Option.String('--base-url', { description: 'an Amplify Platform deployment at another address (issuer <url>/auth/realms/<realm>)' });
  realm = Option.String('--realm', { description: 'the realm of --base-url (default Broker)' });
  redirectUri = Option.String('--redirect-uri', { description: 'loopback redirect the issuer registered (port 0 = any free port)' });
  platformUrl = Option.String('--platform-url', { description: 'platform API that lists organizations' });
  clientId = Option.String('--client-id', { description: 'OAuth client id (default amplify-cli)' });
  clientSecret = Option.String('--client-secret', { description: 'service account secret (or AMPLIFY_CLIENT_SECRET)' });
  secretFile = Option.String('--secret-file', { description: 'PEM private key (RSA or EC) of a signed-JWT service account' });
  username = Option.String('--username', false, { tolerateBoolean: true, description: 'log in with a password; without a value it asks' });
  password = Option.String('--password', { description: 'password (prefer AMPLIFY_PASSWORD or the prompt)' });
  device = Option.Boolean('--device', false, { description: 'device code login for headless machines' });
  scope = Option.String('--scope', { description: 'scopes to request (default "openid" for Amplify, else "openid offline_access")' });
  force = Option.Boolean('--force', false, { description: 'log in again even when already logged in' });
  json = Option.Boolean('--json', false, { description: 'print the account object' });
  launchBrowser = Option.Boolean('--launch-browser', true, { description: 'print the URL to open instead of opening a browser' });
  timeout = Option.String('--timeout', { description: 'seconds to wait for the browser or device approval (default 300)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 86_400)]) });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const { env } = this.ctx;
    const usingPassword = this.username !== false && this.username !== undefined;
    if (this.username === '') throw usageError('--username= is empty; give the user (--username alice), or --username alone to be asked.');
    // An exported AMPLIFY_PASSWORD alone stays ignored (a browser login is meant); a password typed in argv is a mistake to say.
    if (this.password !== undefined && !usingPassword) throw usageError('--password goes with --username <user>: add it, or leave --password out for a browser login.');
    // Secrets from the environment keep them out of argv; they apply only where the flags call for them.
    const clientSecret = this.clientSecret ?? (this.clientId !== undefined && this.secretFile === undefined && !this.device ? env.AMPLIFY_CLIENT_SECRET || undefined : undefined);
    const password = this.password ?? (usingPassword ? env.AMPLIFY_PASSWORD || undefined : undefined);
    registerSecret(clientSecret);
    registerSecret(password);
    // The OAuth client loads here, not with the command tree: `auth ls` and the rest never need it.
    const { login } = await import('../accounts/login.js');
    const result = await login(this.ctx, {
      env: this.env,
      issuer: this.issuer,
      baseUrl: this.baseUrl,
      realm: this.realm,
      redirectUri: this.redirectUri,
      platformUrl: this.platformUrl,
      clientId: this.clientId,
      clientSecret,
      secretFile: this.secretFile,
      username: usingPassword ? (this.username === true ? true : (this.username as string)) : undefined,
      password,
      device: this.device,
      scope: this.scope,
      force: this.force,
      launchBrowser: this.launchBrowser,
      timeoutSeconds: this.timeout,
    });
    if (result.storeNotice) this.ctx.log.warn(result.storeNotice);
    const { account } = result;
    if (this.json) {
      printJson(this.ctx, account);
      return;
    }
    if (result.alreadyLoggedIn) {
      this.ctx.stdout.write(`Already logged in as ${account.name}. Use --force to log in again.\n`);
      return;
    }
    const who = account.user.email ?? account.user.name ?? account.name;
    const org = account.org ? ` in ${account.org.name} (${account.org.id})` : '';
    this.ctx.stdout.write(`Logged in as ${who}${org}; account ${account.name}${account.default ? ' (default)' : ''}.\n`);
    if (result.switchHint) this.ctx.stdout.write(`To make it the default: ${result.switchHint}\n`);
  }
}
