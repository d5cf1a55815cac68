// The local platform: one loopback HTTP server carrying the OpenID provider, findSession, the protected resources and the test hooks.
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PlatformStore } from './adapter.js';
import { createDirectory, findPerson, orgs, people, type Org, type Person } from './data.js';
import { createDemoRepo, DEMO_REPO } from './git.js';
import { buildImage } from './image.js';
import { createInteractionHandler } from './interactions.js';
import { escapeHtml, page } from './pages.js';
import { CONFIDENTIAL_CLIENT, createProvider, GENERIC_CLIENT, INTROSPECTOR_CLIENT, ISSUER_PATH, loadOidcProvider, PUBLIC_CLIENT, ROUTES, type TokenRequest } from './provider.js';
import { createResourceHandler, type Seen } from './resources.js';

export type { Org, Person } from './data.js';
export type { TokenRequest } from './provider.js';
export type { Seen } from './resources.js';

export interface PlatformOptions {
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Where key files and the git repository go; default: a fresh temporary directory, removed by close(). */
  dir?: string;
  /** Seconds; for people's access tokens and client-credentials tokens. Default 1800 (the platform's 30 min). */
  accessTokenTTL?: number;
  /** Seconds. Default 6 h (the platform's). */
  refreshTokenTTL?: number;
  /** Seconds. Default 600. */
  deviceCodeTTL?: number;
  /** Seconds between device-code polls the platform asks for (the `interval` of RFC 8628). Default 1. */
  deviceInterval?: number;
  /** Default true: print nothing. false: one access-log line per request on stderr (paths only, never tokens). */
  quiet?: boolean;
  /** Serve https with this key and certificate (PEM) instead of http, as real issuers do. */
  tls?: { key: string; cert: string };
  /** The host name in the issuer and every URL (default 127.0.0.1); it listens on 127.0.0.1 whatever the name. */
  hostname?: string;
  /** A test hook: every answer's `Date` header is this many seconds off the real clock (a platform whose clock is wrong). */
  dateSkewSeconds?: number;
}

export interface PlatformStats {
  tokenRequests: TokenRequest[];
}

export interface Platform {
  port: number;
  origin: string;
  issuer: string;
  platformUrl: string;
  /** The Amplify deployment's address: `amplify auth login --base-url <baseUrl>` (the issuer is `<baseUrl>/auth/realms/Broker`). */
  baseUrl: string;
  /** The public CLI client (PKCE, device, password, refresh): `amplify-cli`, as strict as the real platform's. */
  clientId: string;
  /** A plain OIDC public client for `--issuer` logins: RFC 8252 loopback redirects on 127.0.0.1, `offline_access`. */
  genericClientId: string;
  confidentialClient: { clientId: string; clientSecret: string };
  people: Person[];
  orgs: Org[];
  serviceAccounts: {
    secret: { clientId: string; clientSecret: string; org: Org };
    rsa: { clientId: string; keyFile: string; kid: string; org: Org };
    ec: { clientId: string; keyFile: string; kid: string; org: Org };
    batch: Array<{ clientId: string; clientSecret: string; org: Org }>;
    /** Refuses client_secret_basic (401 invalid_client); client_secret_post works. */
    postOnly: { clientId: string; clientSecret: string; org: Org };
    /** Signed JWT; wants the token endpoint as aud and the RFC 7638 thumbprint as kid. */
    thumbprintKid: { clientId: string; keyFile: string; kid: string; org: Org };
    /** Every token request answered with a bare HTTP 403 (HTML, no OAuth error). */
    bareRefusal: { clientId: string; clientSecret: string; org: Org };
  };
  urls: { git: string; registry: string; npm: string; kube: string };
  /** Absolute endpoint URLs (also in discovery). */
  endpoints: {
    discovery: string;
    authorization: string;
    token: string;
    deviceAuthorization: string;
    deviceVerification: string;
    userinfo: string;
    revocation: string;
    introspection: string;
    jwks: string;
  };
  /** Directory holding the key files and the git repository. */
  dir: string;
  /** Identities (person sub or service-account client id) each resource accepted, newest last. */
  seen: Seen;
  stats(): PlatformStats;
  resetStats(): void;
  /** The RFC 7662 introspection endpoint's answer for a token (asked as the platform's resource server). */
  introspect(token: string): Promise<Record<string, unknown>>;
  /** Destroys every grant, refresh token, access token and session of a person (sub, username or email), or a service account's tokens. Returns how many went. */
  revokeGrantsFor(subOrClientId: string): Promise<number>;
  /** Stops listening (state is kept). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /** Stops for good: closes the listener, kills git processes, removes the temporary directory. */
  close(): Promise<void>;
}

/** What a platform is, without its hooks: what another process needs to use it. */
export type PlatformDescription = Omit<Platform, 'seen' | 'stats' | 'resetStats' | 'introspect' | 'revokeGrantsFor' | 'stop' | 'resume' | 'close'>;

/** The environment variable test/run.mjs sets to the origin of the one platform it starts for the suites that share it. */
export const SHARED_PLATFORM_ENV = 'AMPLIFY_TEST_PLATFORM';

/**
 * The platform test/run.mjs started for every suite that neither stops, reconfigures nor counts on it (its stats and
 * `seen` would hold the other suites' requests too), or, run alone (no AMPLIFY_TEST_PLATFORM), one of the file's own.
 * Its close() leaves the shared one running; its hooks that would touch the other suites' state throw.
 */
export async function sharedPlatform(): Promise<Platform> {
  const origin = process.env[SHARED_PLATFORM_ENV];
  if (!origin) return startPlatform({ quiet: true });
  const response = await fetch(`${origin}/__test/describe`);
  if (!response.ok) throw new Error(`the shared platform at ${origin} did not describe itself: HTTP ${response.status}`);
  const { introspectorSecret, ...description } = (await response.json()) as PlatformDescription & { introspectorSecret: string };
  const notShared = (what: string) => (): never => {
    throw new Error(`${what} on the shared platform would see or change the other suites' state: start a platform of this file's own (startPlatform)`);
  };
  return {
    ...description,
    get seen(): Seen {
      return notShared('seen')();
    },
    stats: notShared('stats()'),
    resetStats: notShared('resetStats()'),
    revokeGrantsFor: notShared('revokeGrantsFor()'),
    stop: notShared('stop()'),
    resume: notShared('resume()'),
    async introspect(token) {
      const answer = await fetch(description.endpoints.introspection, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${INTROSPECTOR_CLIENT}:${introspectorSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      if (!answer.ok) throw new Error(`introspection failed: HTTP ${answer.status}`);
      return (await answer.json()) as Record<string, unknown>;
    },
    close: async () => undefined,
  };
}

function listen(server: ReturnType<typeof createServer> | ReturnType<typeof createHttpsServer>, port: number): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolveListen();
    });
  });
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const quiet = opts.quiet ?? true;
  const ownDir = opts.dir === undefined;
  const dir = ownDir ? await mkdtemp(join(tmpdir(), 'amplify-platform-')) : resolve(opts.dir as string);
  await mkdir(dir, { recursive: true });

  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' }).end();
  };
  const server = (opts.tls ? createHttpsServer.bind(null, opts.tls) : createServer)((req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    if (opts.dateSkewSeconds) res.setHeader('date', new Date(started + opts.dateSkewSeconds * 1000).toUTCString());
    // paths only: query strings carry codes and states
    const path = (req.url ?? '/').split('?')[0];
    if (!quiet) {
      res.on('finish', () => process.stderr.write(`[platform] ${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms\n`));
    }
    handle(req, res).catch((error: unknown) => {
      if (!quiet) process.stderr.write(`[platform] ${req.method} ${path} failed: ${(error as Error).message}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });

  const children = new Set<ChildProcess>();
  try {
    await listen(server, opts.port ?? 0);
  } catch (error) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const origin = `${opts.tls ? 'https' : 'http'}://${opts.hostname ?? '127.0.0.1'}:${port}`;
  const issuer = `${origin}${ISSUER_PATH}`;

  try {
    const store = new PlatformStore();
    const tokenRequests: TokenRequest[] = [];
    const seen: Seen = { git: [], registry: [], npm: [], kube: [] };
    const gitRoot = join(dir, 'git');
    // key generation runs on the thread pool while oidc-provider loads
    const [directory] = await Promise.all([createDirectory(dir), createDemoRepo(gitRoot, dir), loadOidcProvider(quiet)]);
    const image = buildImage();
    const provider = await createProvider({
      issuer,
      tokenEndpoint: `${issuer}${ROUTES.token}`,
      directory,
      store,
      quiet,
      accessTokenTTL: opts.accessTokenTTL ?? 1800,
      refreshTokenTTL: opts.refreshTokenTTL ?? 6 * 3600,
      deviceCodeTTL: opts.deviceCodeTTL ?? 600,
      deviceInterval: opts.deviceInterval ?? 1,
      onTokenRequest: (request) => tokenRequests.push(request),
    });
    if (!quiet) provider.on('server_error', (_ctx, error) => process.stderr.write(`[platform] provider error: ${(error as Error).message}\n`));
    const oidc = provider.callback();
    const interactions = createInteractionHandler(provider);
    const resources = createResourceHandler({
      provider,
      directory,
      image,
      seen,
      git: { projectRoot: gitRoot, home: dir, children },
      hostPort: () => `127.0.0.1:${port}`,
    });

    const endpoint = (route: string) => `${issuer}${route}`;
    const endpoints: Platform['endpoints'] = {
      discovery: `${issuer}/.well-known/openid-configuration`,
      authorization: endpoint(ROUTES.authorization),
      token: endpoint(ROUTES.token),
      deviceAuthorization: endpoint(ROUTES.device_authorization),
      deviceVerification: endpoint(ROUTES.code_verification),
      userinfo: endpoint(ROUTES.userinfo),
      revocation: endpoint(ROUTES.revocation),
      introspection: endpoint(ROUTES.introspection),
      jwks: endpoint(ROUTES.jwks),
    };
    const { secret, rsa, ec, batch, postOnly, thumbprintKid, bareRefusal } = directory.serviceAccounts;
    const urls = { git: `${origin}/${DEMO_REPO}`, registry: `127.0.0.1:${port}`, npm: `${origin}/`, kube: origin };

    const stats = (): PlatformStats => ({ tokenRequests: tokenRequests.map((r) => ({ ...r })) });
    const resetStats = () => {
      tokenRequests.length = 0;
    };

    async function revokeGrantsFor(subject: string): Promise<number> {
      const person = findPerson(subject);
      const id = person?.sub ?? subject;
      let count = 0;
      for (const grant of store.select((model, p) => model === 'Grant' && p.accountId === id)) {
        store.revokeGrant(grant.id);
        store.delete('Grant', grant.id);
        count += 1;
      }
      const leftovers = store.select(
        (model, p) =>
          (['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Session'].includes(model) && p.accountId === id) ||
          (!person && model === 'ClientCredentials' && p.clientId === id),
      );
      for (const { model, id: entryId } of leftovers) store.delete(model, entryId);
      return count + leftovers.length;
    }

    async function introspect(token: string): Promise<Record<string, unknown>> {
      const response = await fetch(endpoints.introspection, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${INTROSPECTOR_CLIENT}:${directory.introspectorSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }),
      });
      if (!response.ok) throw new Error(`introspection failed: HTTP ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    }

    async function testHooks(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname === '/__test/stats' && req.method === 'GET') return json(200, { ...stats(), seen });
      // What connectPlatform() needs to stand for this platform in another process (test data only: loopback, test secrets).
      if (url.pathname === '/__test/describe' && req.method === 'GET') return json(200, { ...description(), introspectorSecret: directory.introspectorSecret });
      if (url.pathname === '/__test/reset-stats' && req.method === 'POST') {
        resetStats();
        return json(200, { ok: true });
      }
      if (url.pathname === '/__test/revoke' && req.method === 'POST') {
        const subject = url.searchParams.get('subject');
        if (!subject) return json(400, { error: 'subject query parameter required' });
        return json(200, { revoked: await revokeGrantsFor(subject) });
      }
      json(404, { error: 'unknown test hook' });
    }

    const home = page(
      'Home',
      `<h1>Amplify local platform</h1>
<ul>
<li>Issuer: <a href="${escapeHtml(endpoints.discovery)}">${escapeHtml(issuer)}</a></li>
<li>Device sign-in: <a href="${escapeHtml(endpoints.deviceVerification)}">${escapeHtml(endpoints.deviceVerification)}</a></li>
<li>Git: <code>${escapeHtml(urls.git)}</code></li>
<li>Registry: <code>${escapeHtml(urls.registry)}/demo:latest</code></li>
<li>npm: <code>${escapeHtml(urls.npm)}</code></li>
<li>Kubernetes API: <code>${escapeHtml(urls.kube)}</code></li>
</ul>`,
    );

    handle = async (req, res) => {
      const rawUrl = req.url ?? '/';
      if (rawUrl === ISSUER_PATH || rawUrl.startsWith(`${ISSUER_PATH}/`) || rawUrl.startsWith(`${ISSUER_PATH}?`)) {
        // oidc-provider routes below its issuer path; `baseUrl` (the Express convention) tells it where it is mounted
        Object.assign(req, { baseUrl: ISSUER_PATH });
        const rest = rawUrl.slice(ISSUER_PATH.length);
        req.url = rest.startsWith('/') ? rest : `/${rest}`;
        oidc(req, res);
        return;
      }
      const url = new URL(rawUrl, origin);
      if (await interactions(req, res, url.pathname)) return;
      if (await resources(req, res, url.pathname, url.search.slice(1))) return;
      if (url.pathname.startsWith('/__test/')) return testHooks(req, res, url);
      if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(home);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    };

    let closed = false;
    const stop = async () => {
      if (!server.listening) return;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    };

    const description = (): PlatformDescription => ({
      port,
      origin,
      issuer,
      platformUrl: origin,
      baseUrl: origin,
      clientId: PUBLIC_CLIENT,
      genericClientId: GENERIC_CLIENT,
      confidentialClient: { clientId: CONFIDENTIAL_CLIENT, clientSecret: directory.confidentialSecret },
      people,
      orgs,
      serviceAccounts: {
        secret: { clientId: secret.clientId, clientSecret: secret.clientSecret, org: secret.org },
        rsa: { clientId: rsa.clientId, keyFile: rsa.keyFile, kid: rsa.jwk.kid, org: rsa.org },
        ec: { clientId: ec.clientId, keyFile: ec.keyFile, kid: ec.jwk.kid, org: ec.org },
        batch: batch.map((sa) => ({ clientId: sa.clientId, clientSecret: sa.clientSecret, org: sa.org })),
        postOnly: { clientId: postOnly.clientId, clientSecret: postOnly.clientSecret, org: postOnly.org },
        thumbprintKid: { clientId: thumbprintKid.clientId, keyFile: thumbprintKid.keyFile, kid: thumbprintKid.jwk.kid, org: thumbprintKid.org },
        bareRefusal: { clientId: bareRefusal.clientId, clientSecret: bareRefusal.clientSecret, org: bareRefusal.org },
      },
      urls,
      endpoints,
      dir,
    });

    return {
      ...description(),
      seen,
      stats,
      resetStats,
      introspect,
      revokeGrantsFor,
      stop,
      resume: async () => {
        if (closed) throw new Error('the platform is closed');
        if (!server.listening) await listen(server, port);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await stop();
        for (const child of children) child.kill('SIGKILL');
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server.closeAllConnections();
    server.close();
    for (const child of children) child.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
