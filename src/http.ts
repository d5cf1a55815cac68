// The HTTP client under openid-client and findSession: Node's own http and https modules, answering with the
// standard Response that openid-client expects.
//
// Why not Node's fetch (undici): it parses HTTP with a WebAssembly module that it compiles on its first request,
// and V8 then keeps optimising that module on a background thread, which Node waits for when it exits. A helper
// that refreshes a token makes one request and exits, so that costs it about 35 ms of CPU and 30 ms of waiting
// at exit; node:http's parser is native. What this client does not do, it refuses out loud: request bodies
// that are streams, and following redirects (every caller passes redirect 'manual', and a bearer token is
// never sent on to wherever a redirect points).
import type { Agent, IncomingMessage } from 'node:http';
import { proxyAgent, proxyRefusal } from './net/proxy.js';

export { describeProxy } from './net/proxy.js';

export type HttpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Statuses whose response has no body (the Response constructor refuses one for them). */
const NULL_BODY = new Set([101, 204, 205, 304]);

function requestBody(body: RequestInit['body'], headers: Headers): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return Buffer.from(body);
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(body.toString());
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError(`amplify's HTTP client cannot send a ${Object.prototype.toString.call(body).slice(8, -1)} body`);
}

/** The response body, decoded as fetch would for the content codings servers use. */
function decoded(response: IncomingMessage): NodeJS.ReadableStream {
  const coding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return response;
  const zlib = process.getBuiltinModule('node:zlib');
  const decoder = coding === 'gzip' || coding === 'x-gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : coding === 'br' ? zlib.createBrotliDecompress() : undefined;
  if (!decoder) throw new TypeError(`the server answered with a content coding amplify cannot read: ${coding}`);
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

/** Far above any OAuth or platform answer: a larger body is refused rather than held in memory. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) throw new RangeError(`the server's answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * fetch(url, init) for http and https URLs, over one connection that is closed after the answer (nothing is
 * left open to hold the process up), through the proxy env names (src/net/proxy.ts). Honours method, headers,
 * a string, form, or byte body, and signal.
 */
export const httpFetch = async (input: string | URL, init: RequestInit = {}, env: Record<string, string | undefined> = process.env): Promise<Response> => {
  const url = new URL(String(input));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`amplify's HTTP client only speaks http and https, not ${url.protocol}`);
  let agent: Agent | undefined;
  // Ends the connection to a proxy with the request, answered or not (see proxyAgent).
  const tunnel = new AbortController();
  try {
    agent = await proxyAgent(url, env, tunnel.signal);
  } catch (error) {
    throw new TypeError('fetch failed', { cause: error });
  }
  return new Promise<Response>((resolve, reject) => {
    if (init.redirect !== undefined && init.redirect !== 'manual') throw new TypeError(`amplify's HTTP client does not follow redirects (redirect: '${init.redirect}')`);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const headers = new Headers(init.headers);
    const body = requestBody(init.body, headers);
    if (body) headers.set('content-length', String(body.length));
    const method = (init.method ?? 'GET').toUpperCase();
    const client = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    const request = client.request(url, { method, headers: Object.fromEntries(headers), agent: agent ?? false });
    // https-proxy-agent hands a refused CONNECT on as if the issuer had answered: it is the proxy's answer.
    request.once('proxyConnect', (answer: { statusCode: number; statusText: string }) => {
      if (answer.statusCode !== 200) request.destroy(proxyRefusal(url, env, answer.statusCode, answer.statusText));
    });
    // As fetch fails: a TypeError 'fetch failed' with the network error as its cause, or the signal's reason.
    request.once('error', (error) => reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })));
    const abort = (): void => {
      request.destroy(signal?.reason as Error);
      // A request still waiting for a proxy's CONNECT answer has no socket to fail yet: it fails here.
      tunnel.abort();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
    request.once('close', () => {
      signal?.removeEventListener('abort', abort);
      tunnel.abort();
    });
    request.once('response', (response) => {
      if (agent && response.statusCode === 407) {
        request.destroy();
        return reject(new TypeError('fetch failed', { cause: proxyRefusal(url, env, 407, response.statusMessage ?? '') }));
      }
      // decoded() throws for a coding it cannot read: inside the promise, so that the caller gets it.
      Promise.resolve(response)
        .then((answer) => readAll(decoded(answer)))
        .then((bytes) => {
          const answer = new Headers();
          for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) answer.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
          const status = response.statusCode ?? 0;
          resolve(new Response(NULL_BODY.has(status) || method === 'HEAD' ? null : bytes, { status, statusText: response.statusMessage ?? '', headers: answer }));
        })
        .catch((error: unknown) => {
          // Nothing more of this answer is wanted: the connection goes, so that it holds nothing open.
          request.destroy();
          reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
        });
    });
    request.end(body);
  });
};
