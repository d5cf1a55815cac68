// The OpenID provider: oidc-provider configured like the Amplify Platform's Keycloak realm, plus a password grant.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Account, ClientMetadata, Configuration, KoaContextWithOIDC, Provider as ProviderType } from 'oidc-provider';
import type { PlatformStore } from './adapter.js';
import { findPerson, people, type Directory, type Person } from './data.js';
import { deviceSuccessPage, errorPage, page, userCodeConfirmPage, userCodeInputPage } from './pages.js';

export const ISSUER_PATH = '/auth/realms/Broker';
export const PUBLIC_CLIENT = 'amplify-cli';
export const CONFIDENTIAL_CLIENT = 'amplify-cli-confidential';
export const INTROSPECTOR_CLIENT = 'platform-introspector';
/** A plain OIDC public client (any issuer's CLI): RFC 8252 loopback redirects on any port, `offline_access` for refresh tokens. */
export const GENERIC_CLIENT = 'oidc-cli';
/**
 * The only redirect the platform's login service accepts for `amplify-cli`: what the platform's own CLI sends
 * (amplify-sdk's server.js: "this has to be localhost because platform whitelists it").
 */
export const AMPLIFY_REDIRECT = /^http:\/\/localhost:\d{1,5}\/callback\/[A-Za-z0-9]+$/;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPES = ['openid', 'offline_access', 'email', 'profile'];
/** What Keycloak's Broker realm lets `amplify-cli` ask for: `offline_access` is refused as an invalid scope. */
const AMPLIFY_CLI_SCOPES = 'openid email profile';

/** Keycloak's endpoint layout, relative to the issuer. */
export const ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  code_verification: '/device',
  device_authorization: '/protocol/openid-connect/auth/device',
  end_session: '/protocol/openid-connect/logout',
  introspection: '/protocol/openid-connect/token/introspect',
  jwks: '/protocol/openid-connect/certs',
  revocation: '/protocol/openid-connect/revoke',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
};

export interface TokenRequest {
  grantType: string;
  clientId: string | undefined;
  status: number;
}

export interface ProviderSetup {
  issuer: string;
  /** The token endpoint's absolute URL: the only `aud` the platform accepts in a client assertion. */
  tokenEndpoint: string;
  directory: Directory;
  store: PlatformStore;
  accessTokenTTL: number;
  refreshTokenTTL: number;
  deviceCodeTTL: number;
  deviceInterval: number;
  quiet: boolean;
  onTokenRequest(request: TokenRequest): void;
}

export function claimsOf(person: Person): Record<string, unknown> {
  return {
    sub: person.sub,
    email: person.email,
    email_verified: true,
    name: person.name,
    given_name: person.firstname,
    family_name: person.lastname,
    preferred_username: person.username,
    orgs: person.orgs.map(({ id, guid, name }) => ({ id, guid, name })),
  };
}

function accountOf(person: Person): Account {
  return { accountId: person.sub, claims: () => claimsOf(person) };
}

let loading: Promise<typeof import('oidc-provider')> | undefined;

/**
 * oidc-provider as one file: test/run.mjs bundles it into AMPLIFY_TEST_CACHE (the same package, esbuild --keep-names),
 * because under tsx's loader each of its modules costs a round trip through the hooks and the bundle loads in a third of
 * the CPU. Without the bundle (a test file run on its own, `npm run platform`), the package itself.
 */
export const OIDC_PROVIDER_BUNDLE = 'oidc-provider.mjs';

function importOidcProvider(): Promise<typeof import('oidc-provider')> {
  const cache = process.env.AMPLIFY_TEST_CACHE;
  const bundle = cache ? join(cache, OIDC_PROVIDER_BUNDLE) : undefined;
  if (bundle && existsSync(bundle)) return import(pathToFileURL(bundle).href) as Promise<typeof import('oidc-provider')>;
  return import('oidc-provider');
}

/**
 * oidc-provider warns about Node 20 when first imported. A quiet platform keeps that line out of test output; a
 * loud one (`npm run platform`) says once whose warning it is instead of repeating it as if it were ours.
 */
export function loadOidcProvider(quiet: boolean): Promise<typeof import('oidc-provider')> {
  if (loading) return loading;
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) {
      if (!quiet) original(`note: oidc-provider, the local platform's test identity provider, asks for Node 22; amplify-auth itself supports Node ${process.versions.node.split('.')[0]} (>= 20.19), and the platform works on it.`);
      return;
    }
    original(...args);
  };
  loading = importOidcProvider().finally(() => {
    console.warn = original;
  });
  return loading;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function basicUser(authorization: string | undefined): string | undefined {
  const match = /^basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return decoded.slice(0, colon);
  }
}

function assertionIssuer(assertion: string | undefined): string | undefined {
  const payload = assertion?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; sub?: unknown };
    return asString(claims.iss) ?? asString(claims.sub);
  } catch {
    return undefined;
  }
}

/**
 * oidc-provider drops `offline_access` from an authorization request unless it carries `prompt=consent` (OIDC Core
 * §11); Keycloak does not, and the CLI must not have to ask for it. Every sign-in here shows the login page or grants
 * silently anyway, so asking for consent on the client's behalf changes nothing a person sees.
 */
function keepOfflineAccess(ctx: KoaContextWithOIDC): void {
  const query = new URLSearchParams(ctx.querystring);
  if (!query.get('scope')?.split(' ').includes('offline_access')) return;
  const prompts = (query.get('prompt') ?? '').split(' ').filter(Boolean);
  if (prompts.includes('consent') || prompts.includes('none')) return;
  query.set('prompt', [...prompts, 'consent'].join(' '));
  ctx.querystring = query.toString();
}

function refreshTokenFor(client: { clientId: string; grantTypeAllowed(t: string): boolean }, scopes: Set<string> | string[]): boolean {
  const has = (scope: string) => (scopes instanceof Set ? scopes.has(scope) : scopes.includes(scope));
  return client.grantTypeAllowed('refresh_token') && (client.clientId === PUBLIC_CLIENT || has('offline_access'));
}

/** Keycloak's wording for the refusals a client sees most (what the real platform answers). */
function keycloakDescription(grantType: string, detail: string | undefined): string | undefined {
  if (grantType === 'refresh_token') {
    if (detail === 'refresh token is expired') return 'Token is not active';
    if (detail === 'refresh token already used') return 'Stale token';
    return 'Session not active';
  }
  if (grantType === 'authorization_code') return 'Code not valid';
  if (grantType === 'password') return 'Invalid user credentials';
  return undefined;
}

function clientsOf(directory: Directory): ClientMetadata[] {
  const loopbacks = ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'];
  const serviceAccount = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  const { secret, rsa, ec, batch, postOnly, thumbprintKid, bareRefusal } = directory.serviceAccounts;
  return [
    {
      client_id: PUBLIC_CLIENT,
      client_name: 'Amplify CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'password'],
      response_types: ['code'],
      scope: AMPLIFY_CLI_SCOPES,
      // a placeholder: redirectUriAllowed below accepts AMPLIFY_REDIRECT only
      redirect_uris: ['http://localhost/callback'],
    },
    {
      client_id: GENERIC_CLIENT,
      client_name: 'OIDC CLI',
      // native: loopback redirect URIs match on any port (RFC 8252 §7.3)
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'password'],
      response_types: ['code'],
      redirect_uris: loopbacks,
    },
    {
      client_id: CONFIDENTIAL_CLIENT,
      client_name: 'Amplify CLI (confidential)',
      client_secret: directory.confidentialSecret,
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'password'],
      response_types: ['code'],
      redirect_uris: loopbacks,
    },
    {
      client_id: INTROSPECTOR_CLIENT,
      client_name: 'Platform resource server',
      client_secret: directory.introspectorSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    ...[secret, ...batch, bareRefusal].map((sa) => ({
      ...serviceAccount,
      client_id: sa.clientId,
      client_name: sa.name,
      client_secret: sa.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    {
      ...serviceAccount,
      client_id: postOnly.clientId,
      client_name: postOnly.name,
      client_secret: postOnly.clientSecret,
      token_endpoint_auth_method: 'client_secret_post',
    },
    ...[rsa, ec, thumbprintKid].map((sa) => ({
      ...serviceAccount,
      client_id: sa.clientId,
      client_name: sa.name,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [sa.jwk] },
    })),
  ];
}

export async function createProvider(setup: ProviderSetup): Promise<ProviderType> {
  const { default: Provider, errors } = await loadOidcProvider(setup.quiet);
  const { directory } = setup;

  const configuration: Configuration = {
    adapter: setup.store.adapterFor,
    clients: clientsOf(directory),
    jwks: { keys: [directory.signingKey] },
    cookies: { keys: [directory.confidentialSecret] },
    routes: ROUTES,
    responseTypes: ['code', 'none'],
    scopes: SCOPES,
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'email', 'email_verified', 'name', 'preferred_username', 'orgs'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // the CLI reads orgs and identity from the ID token even when it asked for just `openid offline_access`
    conformIdTokenClaims: false,
    rotateRefreshToken: true,
    // Keycloak gives amplify-cli a refresh token for `openid` alone; other clients need `offline_access` (OIDC Core §11).
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: { clientId: string; grantTypeAllowed(t: string): boolean }, source: { scopes: Set<string> }) =>
      refreshTokenFor(client, source.scopes),
    assertJwtClientAuthClaimsAndHeader: async (_ctx: KoaContextWithOIDC, claims: Record<string, unknown>, header: Record<string, unknown>, client: { clientId: string }) => {
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      // Keycloak: the assertion's audience is the token endpoint (it also takes the issuer; this platform is stricter, so that we never depend on it)
      if (!audiences.includes(setup.tokenEndpoint)) throw new errors.InvalidClientAuth('Token audience doesn\'t match domain');
      // the thumbprint client's server looks the key up by kid, even in a one-key set
      if (client.clientId === directory.serviceAccounts.thumbprintKid.clientId && header.kid !== directory.serviceAccounts.thumbprintKid.jwk.kid) {
        throw new errors.InvalidClientAuth('no key found for the assertion\'s kid');
      }
    },
    pkce: { required: (_ctx: KoaContextWithOIDC, client: { clientAuthMethod: string }) => client.clientAuthMethod === 'none' },
    enabledJWA: {
      clientAuthSigningAlgValues: ['HS256', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'],
    },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const person = people.find((p) => p.sub === sub);
      return person && accountOf(person);
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => true,
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, unknown>) => {
      // Keycloak's page for a redirect it does not accept
      if (out.error === 'invalid_redirect_uri') out = { ...out, error_description: 'Invalid parameter: redirect_uri' };
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
    ttl: {
      AccessToken: setup.accessTokenTTL,
      ClientCredentials: setup.accessTokenTTL,
      RefreshToken: setup.refreshTokenTTL,
      DeviceCode: setup.deviceCodeTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: Math.max(setup.refreshTokenTTL, setup.accessTokenTTL, 14 * 24 * 3600),
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.body = page('Sign out', `<h1>Sign out?</h1>\n${form.replace(/<\/form>\s*$/, '<button type="submit" name="logout" value="yes">Sign out</button></form>')}`);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.body = page('Signed out', '<h1>Signed out</h1>');
        },
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: async (ctx: KoaContextWithOIDC, form: string, _out: unknown, err?: { name?: string; userCode?: string }) => {
          ctx.body = userCodeInputPage(form, err);
        },
        userCodeConfirmSource: async (ctx: KoaContextWithOIDC, form: string, client: { clientName?: string; clientId: string }, _info: unknown, userCode: string) => {
          ctx.body = userCodeConfirmPage(form, client.clientName ?? client.clientId, userCode);
        },
        successSource: async (ctx: KoaContextWithOIDC) => {
          ctx.body = deviceSuccessPage(ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'the application');
        },
      },
    },
  };

  const provider = new Provider(setup.issuer, configuration);

  // The platform's login service takes amplify-cli back only to http://localhost:<port>/callback/<id>.
  const clientPrototype = provider.Client.prototype;
  const loopbackRule = clientPrototype.redirectUriAllowed;
  clientPrototype.redirectUriAllowed = function (this: { clientId: string }, value: string) {
    return this.clientId === PUBLIC_CLIENT ? AMPLIFY_REDIRECT.test(value) : loopbackRule.call(this as never, value);
  };

  const grantErrors = new WeakMap<object, string | undefined>();
  provider.on('grant.error', (ctx, error) => {
    grantErrors.set(ctx as object, (error as { error_detail?: string }).error_detail);
  });


  /** Token requests answered before oidc-provider sees them: the gateway's bare 403, and Basic for the post-only client. */
  function refusedUpFront(ctx: KoaContextWithOIDC): boolean {
    const basic = ctx.method === 'POST' && ctx.path === ROUTES.token ? basicUser(ctx.get('authorization')) : undefined;
    if (basic === directory.serviceAccounts.bareRefusal.clientId) {
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = '<html><body><h1>403 Forbidden</h1></body></html>\n';
      return true;
    }
    // oidc-provider takes either secret style from a client_secret_post client; a server that does not decode Basic does not
    if (basic === directory.serviceAccounts.postOnly.clientId) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' };
      return true;
    }
    return false;
  }

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) keepOfflineAccess(ctx);
    try {
      if (!refusedUpFront(ctx)) await next();
    } finally {
      if (ctx.method === 'POST' && ctx.path === ROUTES.token) {
        const body = ctx.oidc?.body ?? {};
        const answer = ctx.body as { error?: string; error_description?: string } | undefined;
        if (answer && typeof answer === 'object' && answer.error === 'invalid_grant') {
          answer.error_description = keycloakDescription(asString(body.grant_type) ?? '', grantErrors.get(ctx)) ?? answer.error_description;
        }
        setup.onTokenRequest({
          grantType: asString(body.grant_type) ?? '',
          clientId: asString(body.client_id) ?? basicUser(ctx.get('authorization')) ?? assertionIssuer(asString(body.client_assertion)),
          status: ctx.status,
        });
      }
    }
    // RFC 8628 lets the server pick the polling interval; without one, clients wait 5 s between polls
    if (ctx.path === ROUTES.device_authorization && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      (ctx.body as Record<string, unknown>).interval = setup.deviceInterval;
    }
  });

  provider.registerGrantType(
    'password',
    async (ctx) => {
      const client = ctx.oidc.client;
      const username = asString(ctx.oidc.params.username);
      const password = asString(ctx.oidc.params.password);
      if (!client) throw new errors.InvalidRequest('client authentication is required');
      if (!username || !password) throw new errors.InvalidRequest('missing required parameter(s) (username, password)');
      const person = findPerson(username);
      if (!person || person.password !== password) {
        const refused = new errors.InvalidGrant('invalid resource owner credentials');
        refused.error_description = 'invalid username or password';
        throw refused;
      }

      const requested = (asString(ctx.oidc.params.scope) ?? 'openid').split(' ');
      const allowed = client.scope ? client.scope.split(' ') : SCOPES;
      const refused = requested.filter((s) => SCOPES.includes(s) && !allowed.includes(s));
      if (refused.length) throw new errors.InvalidScope('requested scope is not allowed', refused.join(' '));
      const scopes = SCOPES.filter((s) => requested.includes(s) && (s !== 'offline_access' || client.grantTypeAllowed('refresh_token')));
      const scope = scopes.join(' ');
      const account = accountOf(person);
      ctx.oidc.entity('Account', account);

      const grant = new provider.Grant({ accountId: person.sub, clientId: client.clientId });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      ctx.oidc.entity('Grant', grant);

      const authTime = Math.floor(Date.now() / 1000);
      const at = new provider.AccessToken({ accountId: person.sub, client, grantId, gty: 'password', scope: grant.getOIDCScopeFiltered(new Set(scopes)) });
      ctx.oidc.entity('AccessToken', at);
      const accessToken = await at.save();

      let refreshToken: string | undefined;
      if (refreshTokenFor(client, scopes)) {
        const rt = new provider.RefreshToken({
          accountId: person.sub,
          client,
          grantId,
          gty: 'password',
          scope,
          authTime,
          amr: ['pwd'],
          rotations: 0,
          expiresWithSession: false,
        });
        ctx.oidc.entity('RefreshToken', rt);
        refreshToken = await rt.save();
      }

      let idToken: string | undefined;
      if (scopes.includes('openid')) {
        const token = new provider.IdToken({ ...(await account.claims('id_token', scope, {}, [])), auth_time: authTime }, { ctx });
        token.scope = scope;
        idToken = await token.issue({ use: 'idtoken' });
      }

      ctx.body = {
        access_token: accessToken,
        expires_in: at.expiration,
        token_type: at.tokenType,
        scope: at.scope,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(idToken ? { id_token: idToken } : {}),
      };
    },
    ['username', 'password', 'scope'],
  );

  return provider;
}
