// The one-shot redirect target of a browser login (RFC 8252 §7.3): 127.0.0.1, a random port, one callback with the right state.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackOptions<T> {
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
  let settle!: { resolve(value: T): void; reject(error: unknown): void };
  const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  // Nobody may be listening yet when it fails early; the caller still sees it through `result`.
  result.catch(() => undefined);
  let busy = false;
  let port = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  });

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the browser on this machine, by the address we gave out (a DNS-rebound name is turned away).
    if (req.headers.host !== `127.0.0.1:${port}`) return send(res, 400, page('Wrong address', ['This server only answers at 127.0.0.1.']));
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== CALLBACK_PATH) return send(res, 404, page('Not found', ['Nothing here.']));
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
      settle.resolve(value);
    } catch (error) {
      send(res, 400, page('Sign-in failed', [(error as Error).message, 'You can close this tab; the terminal says what to do next.']), shutdown);
      settle.reject(error);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const onAbort = () => {
    shutdown();
    settle.reject(options.signal.reason);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  result.then(
    () => options.signal.removeEventListener('abort', onAbort),
    () => options.signal.removeEventListener('abort', onAbort),
  );
  return { redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`, result };
}
