// The HTTP client under openid-client (src/http.ts): fetch's contract over node:http and node:https, checked
// against local servers, and a whole login, refresh and logout against the local platform served over https.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { httpFetch, MAX_RESPONSE_BYTES } from '../src/http.js';
import { GIT_HELPER, helper, issuerFlags, needs } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { sandbox, type Sandbox } from './support/cli.js';
import { selfSignedCertificate, type Certificate } from './support/tls.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Settles when the connection the request came on closes. */
  closed: Promise<void>;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

const routes: Record<string, (res: ServerResponse) => void> = {
  '/json': (res) => res.writeHead(201, { 'content-type': 'application/json', 'x-two': 'a' }).end('{"ok":true}'),
  '/empty': (res) => res.writeHead(204).end(),
  '/moved': (res) => res.writeHead(302, { location: '/json' }).end('moved'),
  '/gzip': (res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":true}')),
  '/error': (res) => res.writeHead(503, { 'retry-after': '1' }).end('down'),
  '/zstd': (res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('?'),
  '/huge': (res) => {
    // One byte over the limit, in 1 MiB chunks, for as long as the client reads.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    const more = (): void => {
      while (sent <= MAX_RESPONSE_BYTES && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  },
  '/never': () => undefined,
};

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const closed = new Promise<void>((resolve) => (req.socket.destroyed ? resolve() : req.socket.once('close', () => resolve())));
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), closed });
      (routes[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const last = (): Seen => seen[seen.length - 1]!;

describe('httpFetch: what openid-client asks of fetch', () => {
  test('a form POST: method, headers, the form type and length, and a standard Response back', async () => {
    const response = await httpFetch(`${base}/json`, {
      method: 'POST',
      headers: { accept: 'application/json', authorization: 'Basic YTpi' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }),
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-two'), 'a');
    assert.deepEqual(await response.clone().json(), { ok: true });
    assert.equal(await response.text(), '{"ok":true}');
    const request = last();
    assert.equal(request.method, 'POST');
    assert.equal(request.body, 'grant_type=client_credentials&scope=a+b');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(request.headers['content-length'], String(request.body.length));
    assert.equal(request.headers.authorization, 'Basic YTpi');
  });

  test('string and byte bodies; a content type given is kept', async () => {
    await httpFetch(`${base}/json`, { method: 'POST', body: 'plain' });
    assert.equal(last().headers['content-type'], 'text/plain;charset=UTF-8');
    assert.equal(last().body, 'plain');
    await httpFetch(`${base}/json`, { method: 'PUT', body: new TextEncoder().encode('{"b":1}'), headers: { 'content-type': 'application/json' } });
    assert.equal(last().method, 'PUT');
    assert.equal(last().headers['content-type'], 'application/json');
    assert.equal(last().body, '{"b":1}');
  });

  test('204 has no body; a redirect is handed back, not followed; a 5xx is a response', async () => {
    const empty = await httpFetch(`${base}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const before = seen.length;
    const moved = await httpFetch(`${base}/moved`, { redirect: 'manual' });
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.get('location'), '/json');
    assert.equal(seen.length, before + 1, 'the redirect was not followed');
    const down = await httpFetch(`${base}/error`);
    assert.equal(down.status, 503);
    assert.equal(await down.text(), 'down');
  });

  test('a gzip-encoded answer is decoded, as fetch does; a coding it cannot read fails the request, not the process', async () => {
    assert.deepEqual(await (await httpFetch(`${base}/gzip`)).json(), { zipped: true });
    await assert.rejects(httpFetch(`${base}/zstd`), (error: Error & { cause?: Error }) => {
      assert.equal(error.message, 'fetch failed');
      assert.match(String(error.cause?.message), /content coding amplify cannot read: zstd/);
      return true;
    });
  });

  test('failures look like fetch\'s: TypeError "fetch failed" with the cause, or the signal\'s reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(httpFetch(`http://127.0.0.1:${port}/`), (error: Error & { cause?: { code?: string } }) => {
      assert.equal(error.name, 'TypeError');
      assert.equal(error.message, 'fetch failed');
      assert.equal(error.cause?.code, 'ECONNREFUSED');
      return true;
    });
    await assert.rejects(httpFetch(`${base}/never`, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
    const aborted = new AbortController();
    aborted.abort(new Error('stopped'));
    await assert.rejects(httpFetch(`${base}/json`, { signal: aborted.signal }), { message: 'stopped' });
  });

  test('an answer over the size limit fails the request instead of filling memory', async () => {
    await assert.rejects(httpFetch(`${base}/huge`), (error: Error & { cause?: Error }) => {
      assert.equal(error.message, 'fetch failed');
      assert.match(String(error.cause?.message), /larger than 16 MiB/);
      return true;
    });
  });

  test('what it does not do, it refuses out loud: following redirects, stream bodies, other schemes', async () => {
    await assert.rejects(httpFetch(`${base}/moved`, { redirect: 'follow' }), /does not follow redirects/);
    await assert.rejects(httpFetch(`${base}/json`, { method: 'POST', body: new ReadableStream(), duplex: 'half' } as RequestInit), /cannot send a ReadableStream body/);
    await assert.rejects(httpFetch('ftp://127.0.0.1/'), /only speaks http and https/);
  });

  test('each connection is closed after its answer: nothing is left to hold a helper process open', async () => {
    await (await httpFetch(`${base}/json`)).text();
    assert.equal(last().headers.connection, 'close');
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the connection is still open after 2 s')), 2000).unref());
    await Promise.race([last().closed, timeout]);
  });
});

// The same client against a real issuer over TLS: the CA comes from NODE_EXTRA_CA_CERTS, as on a corporate machine.
const noOpenssl = needs(['openssl', 'needed for the test TLS certificate']);

describe('a login, a refresh and a logout against the platform over https', { skip: noOpenssl }, () => {
  let platform: Platform;
  let box: Sandbox;
  let certificate: Certificate | undefined;
  let caFile: string;

  before(async () => {
    certificate = await selfSignedCertificate();
    caFile = certificate.certFile;
    platform = await startPlatform({ quiet: true, tls: { key: certificate.key, cert: certificate.cert } });
    box = await sandbox();
  });
  after(async () => {
    await platform?.close();
    await box?.cleanup();
    await certificate?.remove();
  });

  test('an issuer whose certificate is not trusted: one line naming the issuer and the TLS error, exit 1', async () => {
    const sa = platform.serviceAccounts.secret;
    const login = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret, NODE_EXTRA_CA_CERTS: undefined } });
    assert.equal(login.code, 1);
    assert.equal(login.stderr.trim().split('\n').length, 1, login.stderr);
    assert.match(login.stderr, new RegExp(`cannot reach ${platform.issuer} .*SELF_SIGNED`));
  });

  test('with the CA trusted: login, a cached get, a refreshing get (one token request), logout with revocation', async () => {
    const env = { NODE_EXTRA_CA_CERTS: caFile };
    const sa = platform.serviceAccounts.secret;
    const login = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', sa.clientId], { env: { ...env, AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    assert.equal(login.code, 0, login.stderr);
    const host = `127.0.0.1:${platform.port}`;
    const setup = await box.amplify(['auth', 'setup', 'git', '--host', host], { env: { ...env, GIT_CONFIG_GLOBAL: join(box.home, '.gitconfig') } });
    assert.equal(setup.code, 0, setup.stderr);
    const request = `protocol=https\nhost=${host}\n\n`;
    const cached = await helper(box, GIT_HELPER, 'get', request, env);
    assert.equal(cached.code, 0, cached.stderr);
    const old = /^password=(.+)$/m.exec(cached.stdout)![1]!;
    const erase = await helper(box, GIT_HELPER, 'erase', `${request.trimEnd()}\nusername=oauth2\npassword=${old}\n\n`, env);
    assert.equal(erase.code, 0, erase.stderr);
    platform.resetStats();
    const refreshed = await helper(box, GIT_HELPER, 'get', request, env);
    assert.equal(refreshed.code, 0, refreshed.stderr);
    const fresh = /^password=(.+)$/m.exec(refreshed.stdout)?.[1];
    assert.ok(fresh && fresh !== old);
    assert.equal(platform.stats().tokenRequests.length, 1);
    // The issuer answered the revocation (RFC 7009) over TLS as well.
    const logout = await box.amplify(['auth', 'logout', '--all', '--json'], { env });
    assert.equal(logout.code, 0, logout.stderr);
    assert.deepEqual(JSON.parse(logout.stdout), [{ name: sa.clientId, revoked: true }]);
  });
});
