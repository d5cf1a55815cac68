// Resources that accept only live tokens of this provider: findSession, git smart HTTP, a docker registry, an npm
// registry (whoami, and one real package: packument and tarball) and a kube API.
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { people, type Directory, type Org, type Person, type ServiceAccount } from './data.js';
import { DEMO_REPO, serveGit } from './git.js';
import { MANIFEST_TYPE, type Image } from './image.js';
import { buildNpmPackage } from './npm-package.js';

export type Identity = { kind: 'person'; id: string; person: Person } | { kind: 'service'; id: string; serviceAccount: ServiceAccount };

export interface Seen {
  git: string[];
  registry: string[];
  npm: string[];
  kube: string[];
}

export interface ResourceSetup {
  provider: Provider;
  directory: Directory;
  image: Image;
  seen: Seen;
  git: { projectRoot: string; home: string; children: Set<ChildProcess> };
  /** host:port the server listens on (for the kube API's serverAddressByClientCIDRs). */
  hostPort(): string;
}

const CHALLENGE = 'Basic realm="amplify"';

/** The bearer token, or the password of HTTP Basic credentials (any username), as git, docker and npm send them. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^basic\s+(\S+)\s*$/i.exec(header);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 || colon === decoded.length - 1 ? undefined : decoded.slice(colon + 1);
}

/** Who a token belongs to, when it is an active (unexpired, unrevoked) access token of this provider. */
export async function identify(provider: Provider, directory: Directory, token: string | undefined): Promise<Identity | undefined> {
  if (!token) return undefined;
  try {
    const access = await provider.AccessToken.find(token);
    if (access) {
      if (!access.isValid || !access.accountId) return undefined;
      if (access.grantId) {
        const grant = await provider.Grant.find(access.grantId);
        if (!grant || grant.isExpired || grant.clientId !== access.clientId || grant.accountId !== access.accountId) return undefined;
      }
      const person = people.find((p) => p.sub === access.accountId);
      return person && { kind: 'person', id: person.sub, person };
    }
    const credentials = await provider.ClientCredentials.find(token);
    if (!credentials?.isValid || !credentials.clientId) return undefined;
    const serviceAccount = directory.byClientId.get(credentials.clientId);
    return serviceAccount && { kind: 'service', id: serviceAccount.clientId, serviceAccount };
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(data)), ...headers });
  res.end(data);
}

const platformOrg = (org: Org) => ({ guid: org.guid, org_id: Number(org.id), name: org.name });

function sessionOf(identity: Identity): Record<string, unknown> {
  if (identity.kind === 'person') {
    const { person } = identity;
    const orgs = person.orgs.map(platformOrg);
    return {
      user: {
        guid: person.sub,
        email: person.email,
        name: person.name,
        firstname: person.firstname,
        lastname: person.lastname,
        username: person.username,
      },
      org: orgs[0] ?? null,
      orgs,
    };
  }
  const { serviceAccount } = identity;
  const org = platformOrg(serviceAccount.org);
  return { user: { client_id: serviceAccount.clientId, name: serviceAccount.name }, org, orgs: [org] };
}

export const AMPLIFY_SDK_AGENT = 'AMPLIFY SDK/';

export function createResourceHandler(setup: ResourceSetup) {
  const { provider, directory, image, seen } = setup;
  const who = (req: IncomingMessage) => identify(provider, directory, presentedToken(req));
  const npm = buildNpmPackage();

  async function findSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The platform serves its API to its own SDK only, and tells by the User-Agent's prefix.
    if (!(req.headers['user-agent'] ?? '').startsWith(AMPLIFY_SDK_AGENT)) {
      sendJson(res, 403, { success: false, code: 403, description: `Forbidden: unrecognised client (the User-Agent must start with "${AMPLIFY_SDK_AGENT}").` });
      return;
    }
    const identity = await who(req);
    if (!identity) {
      sendJson(res, 401, { success: false, code: 401, description: 'Invalid or expired session.' }, { 'www-authenticate': CHALLENGE });
      return;
    }
    sendJson(res, 200, { success: true, result: sessionOf(identity) });
  }

  async function registry(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const api = { 'docker-distribution-api-version': 'registry/2.0' };
    const identity = await who(req);
    if (!identity) {
      sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }, { ...api, 'www-authenticate': CHALLENGE });
      return;
    }
    seen.registry.push(identity.id);
    const head = req.method === 'HEAD';
    const send = (status: number, body: Buffer, headers: Record<string, string>) => {
      res.writeHead(status, { ...api, 'content-length': String(body.length), ...headers });
      res.end(head ? undefined : body);
    };
    const notFound = (code: string) => sendJson(res, 404, { errors: [{ code, message: `${code.toLowerCase().replace(/_/g, ' ')}`, detail: null }] }, api);

    if (pathname === '/v2/' || pathname === '/v2') return sendJson(res, 200, {}, api);
    if (pathname === '/v2/_catalog') return sendJson(res, 200, { repositories: ['demo'] }, api);
    if (pathname === '/v2/demo/tags/list') return sendJson(res, 200, { name: 'demo', tags: ['latest'] }, api);
    const manifest = /^\/v2\/demo\/manifests\/([^/]+)$/.exec(pathname);
    if (manifest) {
      const reference = decodeURIComponent(manifest[1] ?? '');
      if (reference !== 'latest' && reference !== image.manifestDigest) return notFound('MANIFEST_UNKNOWN');
      return send(200, image.manifest, { 'content-type': MANIFEST_TYPE, 'docker-content-digest': image.manifestDigest, etag: `"${image.manifestDigest}"` });
    }
    const blob = /^\/v2\/demo\/blobs\/([^/]+)$/.exec(pathname);
    if (blob) {
      const digest = decodeURIComponent(blob[1] ?? '');
      const data = image.blobs.get(digest);
      if (!data) return notFound('BLOB_UNKNOWN');
      return send(200, data, { 'content-type': 'application/octet-stream', 'docker-content-digest': digest });
    }
    return notFound('NAME_UNKNOWN');
  }

  async function kube(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const identity = await who(req);
    if (!identity) {
      sendJson(
        res,
        401,
        { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
        { 'www-authenticate': CHALLENGE },
      );
      return;
    }
    seen.kube.push(identity.id);
    if (pathname === '/api') {
      sendJson(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: setup.hostPort() }],
      });
    } else if (pathname === '/apis') {
      sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    } else {
      sendJson(res, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-amplify-local', platform: 'linux/amd64' });
    }
  }

  async function npmWhoami(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const identity = await who(req);
    if (!identity) {
      sendJson(res, 401, { error: 'You must be logged in to do that.' }, { 'www-authenticate': CHALLENGE });
      return;
    }
    seen.npm.push(identity.id);
    sendJson(res, 200, { username: identity.kind === 'person' ? identity.person.email : identity.serviceAccount.clientId });
  }

  // npm and pnpm ask for a scoped packument with the slash escaped (@scope%2fname); a tarball by its path.
  async function npmPackage(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const path = decodeURIComponent(pathname.slice(1));
    const wanted = path === npm.name ? 'packument' : path === npm.tarballPath ? 'tarball' : undefined;
    if (!wanted) return false;
    const identity = await who(req);
    if (!identity) {
      sendJson(res, 401, { error: 'You must be logged in to do that.' }, { 'www-authenticate': CHALLENGE });
      return true;
    }
    seen.npm.push(identity.id);
    if (wanted === 'packument') {
      const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
      sendJson(res, 200, npm.packument(`${scheme}://${req.headers.host}/`));
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(npm.tarball.length) });
      res.end(req.method === 'HEAD' ? undefined : npm.tarball);
    }
    return true;
  }

  async function git(req: IncomingMessage, res: ServerResponse, pathname: string, query: string): Promise<void> {
    const identity = await who(req);
    if (!identity) {
      res.writeHead(401, { 'www-authenticate': CHALLENGE, 'content-type': 'text/plain' });
      res.end('Authentication required\n');
      return;
    }
    seen.git.push(identity.id);
    serveGit(req, res, { ...setup.git, pathInfo: pathname, query, remoteUser: identity.id });
  }

  /** Serves the resource paths; returns false for any other path. */
  return async function handleResource(req: IncomingMessage, res: ServerResponse, pathname: string, query: string): Promise<boolean> {
    if (pathname === '/api/v1/auth/findSession') await findSession(req, res);
    else if (pathname === '/v2' || pathname.startsWith('/v2/')) await registry(req, res, pathname);
    else if (pathname === '/-/whoami') await npmWhoami(req, res);
    else if (pathname === '/api' || pathname === '/apis' || pathname === '/version') await kube(req, res, pathname);
    else if (pathname === `/${DEMO_REPO}` || pathname.startsWith(`/${DEMO_REPO}/`)) await git(req, res, pathname, query);
    else if (pathname.startsWith('/@')) return npmPackage(req, res, pathname);
    else return false;
    return true;
  };
}
