// The one-shot redirect target of a browser login: one callback with the right state, at the address the issuer accepts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AmplifyError, errnoCode } from '../errors.js';

/**
 * Where the browser comes back to.
 * - `amplify`: `http://localhost:3000/callback/<request id>`, what the Amplify Platform's login service accepts (its
 *   own CLI's server.js: "this has to be localhost because platform whitelists it"); the next free port where 3000 is
 *   taken. localhost may resolve to 127.0.0.1 or ::1, so the server answers on both.
 * - `rfc8252`: `http://127.0.0.1:<random port>/callback` (RFC 8252 §7.3), for any other issuer.
 * - `fixed`: a loopback URL an issuer registered (`--redirect-uri`); port 0 means any free port.
 */
export type RedirectPlan = { kind: 'amplify' } | { kind: 'rfc8252' } | { kind: 'fixed'; url: string };

export const AMPLIFY_CALLBACK_PORT = 3000;
/** Ports tried after 3000, before any free one. */
const AMPLIFY_PORT_TRIES = 20;

/** Checks a `--redirect-uri`: loopback http:// on localhost, 127.0.0.1 or [::1], no query or fragment. */
export function checkRedirectUri(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AmplifyError('EUSAGE', `--redirect-uri "${value}" is not a URL; give one like http://127.0.0.1:8400/callback.`);
  }
  if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.username || url.password || url.search || url.hash) {
    throw new AmplifyError('EUSAGE', `--redirect-uri "${value}" must be a loopback http:// URL on localhost, 127.0.0.1 or [::1] (port 0 = any free port), without a query.`);
  }
  return url;
}

export interface LoopbackOptions<T> {
  redirect: RedirectPlan;
  /** Told when the redirect is not the one the issuer expects (port 3000 taken). */
  warn(message: string): void;
  /** The `state` sent in the authorization request; callbacks without it are turned away. */
  state: string;
  /** Turns the authorization response into tokens; the browser page says whether it worked. */
  complete(callbackUrl: URL): Promise<T>;
  /** Aborting closes the server and rejects `result` with the signal's reason. */
  signal: AbortSignal;
}

export interface LoopbackServer<T> {
  redirectUri: string;
  /** Settles with the first callback that carries the right state (its tokens, or why it failed). */
  result: Promise<T>;
}

const CALLBACK_PATH = '/callback';

interface Bound {
  servers: Server[];
  port: number;
}

const listenOn = (server: Server, port: number, address: string): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** No IPv6 loopback on this machine (a container without ::1): 127.0.0.1 alone then. */
const noSuchAddress = (error: unknown): boolean => ['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EINVAL'].includes(errnoCode(error) ?? '');

/** Listens on every address at one port (0: any free one, the same for all); undefined where the port is taken. */
async function bindAll(addresses: string[], port: number, make: () => Server): Promise<Bound | undefined> {
  const servers: Server[] = [];
  let chosen = port;
  try {
    for (const address of addresses) {
      const server = make();
      try {
        await listenOn(server, chosen, address);
      } catch (error) {
        if (address === '::1' && servers.length > 0 && noSuchAddress(error)) continue;
        throw error;
      }
      servers.push(server);
      chosen = (server.address() as AddressInfo).port;
    }
    return { servers, port: chosen };
  } catch (error) {
    for (const server of servers) server.close();
    if (errnoCode(error) === 'EADDRINUSE') return undefined;
    throw error;
  }
}

async function bind(plan: RedirectPlan, make: () => Server): Promise<Bound & { host: string; path: string; wanted?: number }> {
  if (plan.kind === 'amplify') {
    const path = `${CALLBACK_PATH}/${randomBytes(4).toString('hex').toUpperCase()}`;
    const addresses = ['127.0.0.1', '::1'];
    for (let port = AMPLIFY_CALLBACK_PORT; port <= AMPLIFY_CALLBACK_PORT + AMPLIFY_PORT_TRIES; port += 1) {
      const bound = await bindAll(addresses, port, make);
      if (bound) return { ...bound, host: 'localhost', path, wanted: AMPLIFY_CALLBACK_PORT };
    }
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const bound = await bindAll(addresses, 0, make);
      if (bound) return { ...bound, host: 'localhost', path, wanted: AMPLIFY_CALLBACK_PORT };
    }
  } else if (plan.kind === 'rfc8252') {
    const bound = await bindAll(['127.0.0.1'], 0, make);
    if (bound) return { ...bound, host: '127.0.0.1', path: CALLBACK_PATH };
  } else {
    const url = checkRedirectUri(plan.url);
    const host = url.hostname;
    const addresses = host === 'localhost' ? ['127.0.0.1', '::1'] : [host === '[::1]' ? '::1' : host];
    const port = url.port === '' ? 80 : Number(url.port);
    for (let attempt = 0; attempt < (port === 0 ? 5 : 1); attempt += 1) {
      const bound = await bindAll(addresses, port, make);
      if (bound) return { ...bound, host, path: url.pathname };
    }
    throw new AmplifyError('EUSAGE', `cannot listen for the browser at ${plan.url}: port ${port} is in use; free it, or give another --redirect-uri that the issuer accepts.`);
  }
  throw new AmplifyError('ENETWORK', 'cannot find a free loopback port for the browser to come back to.');
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, lines: string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · amplify auth</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
</body></html>
`;
}

function send(res: ServerResponse, status: number, html: string, then?: () => void): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(html, then);
}

function sameState(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startLoopback<T>(options: LoopbackOptions<T>): Promise<LoopbackServer<T>> {
  options.signal.throwIfAborted();
  let pending!: { resolve(value: T): void; reject(error: unknown): void };
  const result = new Promise<T>((resolve, reject) => (pending = { resolve, reject }));
  // Nobody may be listening yet when it fails early; the caller still sees it through `result`.
  result.catch(() => undefined);
  let busy = false;
  let origin = '';
  let path = CALLBACK_PATH;
  let servers: Server[] = [];

  const make = () =>
    createServer((req: IncomingMessage, res: ServerResponse) => {
      void handle(req, res);
    });

  const shutdown = () => {
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the browser on this machine, by the address we gave out (a DNS-rebound name is turned away).
    if (`http://${req.headers.host}` !== origin) return send(res, 400, page('Wrong address', [`This server only answers at ${origin}.`]));
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== path) return send(res, 404, page('Not found', ['Nothing here.']));
    if (req.method !== 'GET') return send(res, 405, page('Method not allowed', ['The sign-in answer comes as a GET request.']));
    if (busy) return send(res, 409, page('Already handled', ['This sign-in has already been answered. You can close this tab.']));
    if (!sameState(url.searchParams.get('state'), options.state)) {
      return send(res, 400, page('Sign-in not recognised', [
        'This answer does not belong to the login waiting in your terminal (its state does not match), so it was ignored.',
        'The terminal keeps waiting; finish the sign-in from the link it shows.',
      ]));
    }
    busy = true;
    try {
      const value = await options.complete(url);
      send(res, 200, page('Signed in', ['The login worked: amplify auth has your tokens.', 'You can close this tab and return to the terminal.']), shutdown);
      pending.resolve(value);
    } catch (error) {
      send(res, 400, page('Sign-in failed', [(error as Error).message, 'You can close this tab; the terminal says what to do next.']), shutdown);
      pending.reject(error);
    }
  }

  const bound = await bind(options.redirect, make);
  servers = bound.servers;
  origin = `http://${bound.host}:${bound.port}`;
  path = bound.path;
  if (bound.wanted !== undefined && bound.port !== bound.wanted) {
    options.warn(`port ${bound.wanted} is in use, so the browser will come back to ${origin}${path}; the platform may refuse that address (free port ${bound.wanted} and log in again if it does).`);
  }

  const onAbort = () => {
    shutdown();
    pending.reject(options.signal.reason);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  result.then(
    () => options.signal.removeEventListener('abort', onAbort),
    () => options.signal.removeEventListener('abort', onAbort),
  );
  return { redirectUri: `${origin}${path}`, result };
}
