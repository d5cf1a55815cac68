// Self-check of the local platform: every feature the CLI's tests lean on, driven with plain fetch, real git and skopeo.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { approveDevice, Browser, completeAuthorization, parseForms, textOf } from './browserless.js';
import { startPlatform, type Platform } from './index.js';
import { needs } from '../support/tools.js';

const run = promisify(execFile);
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type Json = Record<string, unknown>;

interface TokenResponse {
  status: number;
  body: Json & { access_token?: string; refresh_token?: string; id_token?: string; error?: string; scope?: string; expires_in?: number };
}

async function tokenRequest(platform: Platform, params: Record<string, string>, basic?: [string, string]): Promise<TokenResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
  const response = await fetch(platform.endpoints.token, { method: 'POST', headers, body: new URLSearchParams(params) });
  return { status: response.status, body: (await response.json()) as TokenResponse['body'] };
}

function jwtClaims(jwt: string | undefined): Json {
  assert.ok(jwt, 'expected a JWT');
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
}

function pkceRequest(platform: Platform, redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const url = new URL(platform.endpoints.authorization);
  const params = {
    client_id: platform.genericClientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid offline_access',
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return { url: url.href, verifier, state, redirectUri, nonce: params.nonce };
}

async function pkceLogin(platform: Platform, username: string, password: string, redirectUri = 'http://127.0.0.1:49152/callback') {
  const request = pkceRequest(platform, redirectUri);
  const callback = new URL(await completeAuthorization(request.url, username, password));
  assert.equal(callback.searchParams.get('state'), request.state);
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${callback.href}`);
  const tokens = await tokenRequest(platform, {
    grant_type: 'authorization_code',
    client_id: platform.genericClientId,
    code,
    redirect_uri: redirectUri,
    code_verifier: request.verifier,
  });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return { ...tokens.body, nonce: request.nonce };
}

function clientAssertion(platform: Platform, clientId: string, pem: string, alg: 'RS256' | 'ES256', kid?: string, aud = platform.endpoints.token): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${encode({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })}.${encode({ iss: clientId, sub: clientId, aud, jti: randomUUID(), iat: now, exp: now + 60 })}`;
  const key = createPrivateKey(pem);
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

async function bearer(url: string, token: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  // findSession answers the platform's SDK only; the other resources ignore it
  if (!headers.has('user-agent')) headers.set('user-agent', 'AMPLIFY SDK/0.0.0 (linux; x64; node:20) platform-test');
  return fetch(url, { ...init, headers });
}

/** What a browser renders: the body, not the <title>. */
const bodyOf = (html: string) => /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;

const basicAuth = (token: string) => `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;

describe('local platform', () => {
  let platform: Platform;
  let alice: Awaited<ReturnType<typeof pkceLogin>>;

  before(async () => {
    const started = Date.now();
    platform = await startPlatform();
    assert.ok(Date.now() - started < 15_000, 'start-up should be fast');
    alice = await pkceLogin(platform, 'alice', 'alice-pw');
  });

  after(async () => {
    const { dir } = platform;
    await platform.close();
    assert.equal(existsSync(dir), false, 'close() removes the temporary directory');
  });

  describe('issuer', () => {
    test('discovery lists every endpoint below /auth/realms/Broker', async () => {
      assert.equal(platform.issuer, `http://127.0.0.1:${platform.port}/auth/realms/Broker`);
      const response = await fetch(`${platform.issuer}/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
      const discovery = (await response.json()) as Json;
      assert.equal(discovery.issuer, platform.issuer);
      for (const key of ['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint', 'userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'jwks_uri']) {
        assert.ok(String(discovery[key]).startsWith(`${platform.issuer}/`), `${key} = ${String(discovery[key])}`);
      }
      assert.equal(discovery.token_endpoint, platform.endpoints.token);
      const grants = discovery.grant_types_supported as string[];
      for (const grant of ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT, 'password']) assert.ok(grants.includes(grant), grant);
      assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
      const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: Json[] };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0]?.d, undefined, 'only the public key is published');
    });

    test('PKCE login yields access, refresh and ID tokens with identity and orgs claims', () => {
      assert.ok(alice.access_token && alice.refresh_token && alice.id_token);
      assert.match(String(alice.scope), /offline_access/);
      const claims = jwtClaims(alice.id_token);
      const person = platform.people.find((p) => p.username === 'alice');
      assert.ok(person);
      assert.equal(claims.iss, platform.issuer);
      assert.equal(claims.aud, platform.genericClientId);
      assert.equal(claims.nonce, alice.nonce);
      assert.equal(claims.sub, person.sub);
      assert.equal(claims.email, 'alice@example.com');
      assert.equal(claims.name, person.name);
      assert.equal(claims.preferred_username, 'alice');
      assert.deepEqual(claims.orgs, person.orgs.map(({ id, guid, name }) => ({ id, guid, name })));
      assert.equal(person.orgs.length, 2);
    });

    test('any loopback port is accepted, on 127.0.0.1 and on localhost', async () => {
      for (const redirect of ['http://127.0.0.1:61234/callback', 'http://localhost:40001/callback']) {
        const tokens = await pkceLogin(platform, 'bob', 'bob-pw', redirect);
        assert.equal(jwtClaims(tokens.id_token).email, 'bob@example.com');
      }
    });

    test('a foreign redirect URI is refused without redirecting', async () => {
      const request = pkceRequest(platform, 'http://evil.example/callback');
      await assert.rejects(completeAuthorization(request.url, 'alice', 'alice-pw'), /redirect_uri/);
    });

    test('the public client must use PKCE S256', async () => {
      const without = pkceRequest(platform, 'http://127.0.0.1:50000/callback', { code_challenge: '', code_challenge_method: '' });
      const url = new URL(without.url);
      url.searchParams.delete('code_challenge');
      url.searchParams.delete('code_challenge_method');
      const callback = new URL(await completeAuthorization(url.href, 'alice', 'alice-pw'));
      assert.equal(callback.searchParams.get('error'), 'invalid_request');
      const plain = new URL(pkceRequest(platform, 'http://127.0.0.1:50000/callback', { code_challenge_method: 'plain' }).url);
      assert.equal(new URL(await completeAuthorization(plain.href, 'alice', 'alice-pw')).searchParams.get('error'), 'invalid_request');
    });

    test('a wrong password re-shows the sign-in form with an error', async () => {
      const request = pkceRequest(platform, 'http://127.0.0.1:50001/callback');
      const browser = new Browser();
      const first = await browser.visit(request.url);
      assert.equal(first.kind, 'page');
      if (first.kind !== 'page') return;
      assert.match(first.html, /<button type="submit">Sign in<\/button>/);
      assert.equal(textOf(bodyOf(first.html)).match(/sign in/gi)?.length, 1, 'a text=Sign in selector must find the button only');
      const form = parseForms(first.html)[0];
      assert.ok(form);
      const refused = await browser.submit(first, form, { username: 'alice', password: 'nope' });
      assert.equal(refused.kind, 'page');
      if (refused.kind !== 'page') return;
      assert.match(refused.html, /Invalid username or password/);
      const again = parseForms(refused.html)[0];
      assert.ok(again);
      const done = await browser.submit(refused, again, { username: 'alice', password: 'alice-pw' });
      assert.equal(done.kind, 'left');
      assert.ok(new URL(done.url).searchParams.get('code'));
      await assert.rejects(completeAuthorization(pkceRequest(platform, 'http://127.0.0.1:50001/callback').url, 'alice', 'wrong'), /sign-in refused/);
    });

    test('refresh tokens rotate and a reused one is refused', async () => {
      const tokens = await pkceLogin(platform, 'alice', 'alice-pw');
      const first = await tokenRequest(platform, { grant_type: 'refresh_token', client_id: platform.genericClientId, refresh_token: String(tokens.refresh_token) });
      assert.equal(first.status, 200);
      assert.ok(first.body.refresh_token && first.body.refresh_token !== tokens.refresh_token);
      assert.ok(first.body.access_token && first.body.access_token !== tokens.access_token);
      assert.ok(jwtClaims(first.body.id_token).orgs, 'refreshed ID token carries orgs');
      const reused = await tokenRequest(platform, { grant_type: 'refresh_token', client_id: platform.genericClientId, refresh_token: String(tokens.refresh_token) });
      assert.equal(reused.status, 400);
      assert.equal(reused.body.error, 'invalid_grant');
    });

    test('userinfo answers with the same identity and orgs', async () => {
      const response = await bearer(platform.endpoints.userinfo, alice.access_token);
      assert.equal(response.status, 200);
      const claims = (await response.json()) as Json;
      assert.equal(claims.email, 'alice@example.com');
      assert.equal((claims.orgs as unknown[]).length, 2);
    });
  });

  describe('password grant', () => {
    test('public client: right password gives tokens, wrong password invalid_grant', async () => {
      const ok = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'bob', password: 'bob-pw', scope: 'openid offline_access' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(ok.body.access_token && ok.body.refresh_token && ok.body.id_token);
      const claims = jwtClaims(ok.body.id_token);
      assert.equal(claims.email, 'bob@example.com');
      assert.equal(claims.aud, platform.genericClientId);
      assert.deepEqual((claims.orgs as Json[]).map((o) => o.name), ['Initech']);
      const refreshed = await tokenRequest(platform, { grant_type: 'refresh_token', client_id: platform.genericClientId, refresh_token: String(ok.body.refresh_token) });
      assert.equal(refreshed.status, 200);
      assert.equal(jwtClaims(refreshed.body.id_token).email, 'bob@example.com');

      const wrong = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'bob', password: 'alice-pw', scope: 'openid offline_access' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error, 'invalid_grant');
      const unknown = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'mallory', password: 'x' });
      assert.equal(unknown.body.error, 'invalid_grant');
    });

    test('no offline_access, no refresh token; email works as the username', async () => {
      const ok = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'alice@example.com', password: 'alice-pw', scope: 'openid' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.refresh_token, undefined);
      assert.ok(ok.body.id_token);
    });

    test('confidential client with its secret (basic or post); without it invalid_client', async () => {
      const { clientId, clientSecret } = platform.confidentialClient;
      const params = { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid offline_access' };
      const basic = await tokenRequest(platform, params, [clientId, clientSecret]);
      assert.equal(basic.status, 200);
      assert.ok(basic.body.refresh_token);
      const post = await tokenRequest(platform, { ...params, client_id: clientId, client_secret: clientSecret });
      assert.equal(post.status, 200);
      const missing = await tokenRequest(platform, { ...params, client_id: clientId });
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error, 'invalid_client');
    });
  });

  describe('device flow', () => {
    async function deviceAuthorization() {
      const response = await fetch(platform.endpoints.deviceAuthorization, {
        method: 'POST',
        body: new URLSearchParams({ client_id: platform.genericClientId, scope: 'openid offline_access' }),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; interval: number };
    }
    const poll = (deviceCode: string) => tokenRequest(platform, { grant_type: DEVICE_GRANT, client_id: platform.genericClientId, device_code: deviceCode });

    test('approve: pending until the person confirms and signs in, then tokens', async () => {
      const device = await deviceAuthorization();
      assert.equal(device.verification_uri, platform.endpoints.deviceVerification);
      assert.ok(device.verification_uri.startsWith(`${platform.issuer}/`));
      assert.equal(device.interval, 1);
      const pending = await poll(device.device_code);
      assert.equal(pending.body.error, 'authorization_pending');
      await approveDevice(platform, device.user_code, 'alice', 'alice-pw');
      const tokens = await poll(device.device_code);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.ok(tokens.body.refresh_token);
      assert.equal(jwtClaims(tokens.body.id_token).email, 'alice@example.com');
    });

    test('the confirmation page has Continue and Deny buttons; Deny ends in access_denied', async () => {
      const device = await deviceAuthorization();
      const browser = new Browser();
      const input = await browser.visit(platform.endpoints.deviceVerification);
      assert.equal(input.kind, 'page');
      if (input.kind !== 'page') return;
      const form = parseForms(input.html)[0];
      assert.ok(form);
      const confirm = await browser.submit(input, form, { user_code: device.user_code });
      assert.equal(confirm.kind, 'page');
      if (confirm.kind !== 'page') return;
      const buttons = parseForms(confirm.html)[0]?.buttons.map((b) => b.text);
      assert.deepEqual(buttons, ['Continue', 'Deny']);
      assert.equal(textOf(bodyOf(confirm.html)).match(/continue|deny/gi)?.length, 2, 'button labels appear nowhere else');

      await approveDevice(platform, device.user_code, 'alice', 'alice-pw', { deny: true });
      const denied = await poll(device.device_code);
      assert.equal(denied.status, 400);
      assert.equal(denied.body.error, 'access_denied');
    });

    test('a wrong user code or password is reported', async () => {
      await assert.rejects(approveDevice(platform, 'BCDF-GHJK', 'alice', 'alice-pw'), /user code refused/);
      const device = await deviceAuthorization();
      await assert.rejects(approveDevice(platform, device.user_code, 'alice', 'wrong'), /sign-in refused/);
    });
  });

  describe('service accounts', () => {
    test('client secret, basic and post; batch clients; no scope needed; wrong secret invalid_client', async () => {
      const { clientId, clientSecret } = platform.serviceAccounts.secret;
      const basic = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      assert.equal(basic.status, 200, JSON.stringify(basic.body));
      assert.ok(basic.body.access_token);
      assert.equal(basic.body.refresh_token, undefined);
      assert.equal(basic.body.access_token?.split('.').length, 1, 'opaque token');
      const post = await tokenRequest(platform, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
      assert.equal(post.status, 200);
      const scoped = await tokenRequest(platform, { grant_type: 'client_credentials', scope: 'read:things' }, [clientId, clientSecret]);
      assert.equal(scoped.status, 200);
      const wrong = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, 'not-the-secret']);
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_client');

      assert.equal(platform.serviceAccounts.batch.length, 12);
      assert.equal(new Set(platform.serviceAccounts.batch.map((b) => b.clientSecret)).size, 12);
      const batch = await Promise.all(
        platform.serviceAccounts.batch.map((b) => tokenRequest(platform, { grant_type: 'client_credentials' }, [b.clientId, b.clientSecret])),
      );
      assert.deepEqual(batch.map((r) => r.status), Array(12).fill(200));
      const other = platform.serviceAccounts.batch[1];
      assert.ok(other);
      const crossed = await tokenRequest(platform, { grant_type: 'client_credentials' }, ['sa-batch-1', other.clientSecret]);
      assert.equal(crossed.status, 401);
    });

    test('signed JWTs with the RSA and EC key files (with and without kid)', async () => {
      for (const [account, alg] of [
        [platform.serviceAccounts.rsa, 'RS256'],
        [platform.serviceAccounts.ec, 'ES256'],
      ] as const) {
        const pem = await readFile(account.keyFile, 'utf8');
        assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
        for (const kid of [account.kid, undefined]) {
          const tokens = await tokenRequest(platform, {
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: clientAssertion(platform, account.clientId, pem, alg, kid),
          });
          assert.equal(tokens.status, 200, `${account.clientId}: ${JSON.stringify(tokens.body)}`);
        }
      }
      const otherKey = await readFile(platform.serviceAccounts.ec.keyFile, 'utf8');
      const forged = await tokenRequest(platform, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion(platform, 'sa-rsa', otherKey, 'ES256'),
      });
      assert.equal(forged.status, 401);
    });
  });

  describe('findSession', () => {
    test('a person: user, default org and all orgs', async () => {
      const response = await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, alice.access_token);
      assert.equal(response.status, 200);
      const { result } = (await response.json()) as { result: { user: Json; org: Json; orgs: Json[] } };
      const person = platform.people.find((p) => p.username === 'alice');
      assert.ok(person);
      assert.equal(result.user.email, 'alice@example.com');
      assert.equal(result.user.guid, person.sub);
      assert.equal(result.user.name, person.name);
      assert.deepEqual(result.org, { guid: person.orgs[0]?.guid, org_id: Number(person.orgs[0]?.id), name: person.orgs[0]?.name });
      assert.deepEqual(result.orgs.map((o) => o.guid), person.orgs.map((o) => o.guid));
    });

    test("a service account: its client id and its org", async () => {
      const { clientId, clientSecret, org } = platform.serviceAccounts.secret;
      const tokens = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      const response = await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, tokens.body.access_token);
      assert.equal(response.status, 200);
      const { result } = (await response.json()) as { result: { user: Json; org: Json; orgs: Json[] } };
      assert.equal(result.user.client_id, clientId);
      assert.equal(result.org.guid, org.guid);
      assert.equal(result.orgs.length, 1);
    });

    test('no token, a foreign token or a revoked one: 401 JSON', async () => {
      for (const token of [undefined, 'not-a-token']) {
        const response = await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, token);
        assert.equal(response.status, 401);
        assert.match(response.headers.get('content-type') ?? '', /json/);
        await response.json();
      }
      const tokens = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'bob', password: 'bob-pw' });
      const revoke = await fetch(platform.endpoints.revocation, { method: 'POST', body: new URLSearchParams({ token: String(tokens.body.access_token), client_id: platform.genericClientId }) });
      assert.equal(revoke.status, 200);
      assert.equal((await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, tokens.body.access_token)).status, 401);
    });
  });

  describe('test hooks', () => {
    test('introspect reports active and revoked tokens', async () => {
      const active = await platform.introspect(String(alice.access_token));
      assert.equal(active.active, true);
      assert.equal(active.client_id, platform.genericClientId);
      assert.equal((await platform.introspect('garbage')).active, false);
    });

    test('stats count every token request with grant type, client id and status', async () => {
      platform.resetStats();
      assert.deepEqual(platform.stats().tokenRequests, []);
      const { clientId, clientSecret } = platform.serviceAccounts.secret;
      await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'alice', password: 'bad' });
      const pem = await readFile(platform.serviceAccounts.rsa.keyFile, 'utf8');
      await tokenRequest(platform, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion(platform, 'sa-rsa', pem, 'RS256'),
      });
      await fetch(platform.endpoints.token, { method: 'POST', body: 'not a form', headers: { 'content-type': 'text/plain' } });
      assert.deepEqual(platform.stats().tokenRequests, [
        { grantType: 'client_credentials', clientId: 'sa-secret', status: 200 },
        { grantType: 'password', clientId: 'oidc-cli', status: 400 },
        { grantType: 'client_credentials', clientId: 'sa-rsa', status: 200 },
        { grantType: '', clientId: undefined, status: 400 },
      ]);
      const remote = (await (await fetch(`${platform.origin}/__test/stats`)).json()) as { tokenRequests: unknown[] };
      assert.equal(remote.tokenRequests.length, 4);
    });

    test('revokeGrantsFor: the next refresh is invalid_grant and the access token is dead', async () => {
      const tokens = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'bob', password: 'bob-pw', scope: 'openid offline_access' });
      const device = await pkceLogin(platform, 'bob', 'bob-pw');
      assert.ok((await platform.revokeGrantsFor('bob')) >= 2);
      for (const refreshToken of [tokens.body.refresh_token, device.refresh_token]) {
        const refused = await tokenRequest(platform, { grant_type: 'refresh_token', client_id: platform.genericClientId, refresh_token: String(refreshToken) });
        assert.equal(refused.body.error, 'invalid_grant');
      }
      assert.equal((await platform.introspect(String(tokens.body.access_token))).active, false);
      assert.equal((await platform.introspect(String(alice.access_token))).active, true, 'other people keep their grants');

      const { clientId, clientSecret } = platform.serviceAccounts.secret;
      const service = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      assert.ok((await platform.revokeGrantsFor(clientId)) >= 1);
      assert.equal((await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, service.body.access_token)).status, 401);
    });

    test('stop() refuses connections, resume() serves the same state on the same port', async () => {
      const port = platform.port;
      await platform.stop();
      await assert.rejects(fetch(`${platform.issuer}/.well-known/openid-configuration`));
      await platform.resume();
      assert.equal(platform.port, port);
      const response = await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, alice.access_token);
      assert.equal(response.status, 200, 'tokens issued before stop() still work');
    });
  });

  describe('protected resources', () => {
    test('docker registry: challenge, /v2/, a valid manifest and blobs', async () => {
      const token = String(alice.access_token);
      const unauthenticated = await fetch(`${platform.origin}/v2/`);
      assert.equal(unauthenticated.status, 401);
      assert.equal(unauthenticated.headers.get('www-authenticate'), 'Basic realm="amplify"');
      assert.equal(unauthenticated.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.equal((await fetch(`${platform.origin}/v2/`, { headers: { authorization: basicAuth('nope') } })).status, 401);
      const root = await fetch(`${platform.origin}/v2/`, { headers: { authorization: basicAuth(token) } });
      assert.equal(root.status, 200);
      assert.deepEqual(await root.json(), {});
      assert.equal((await bearer(`${platform.origin}/v2/`, token)).status, 200);

      const manifestResponse = await fetch(`${platform.origin}/v2/demo/manifests/latest`, { headers: { authorization: basicAuth(token) } });
      assert.equal(manifestResponse.status, 200);
      assert.equal(manifestResponse.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
      const body = Buffer.from(await manifestResponse.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      assert.equal(manifestResponse.headers.get('docker-content-digest'), digest);
      const head = await fetch(`${platform.origin}/v2/demo/manifests/latest`, { method: 'HEAD', headers: { authorization: basicAuth(token) } });
      assert.equal(head.headers.get('docker-content-digest'), digest);
      assert.equal(head.headers.get('content-length'), String(body.length));
      const manifest = JSON.parse(body.toString()) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
      for (const descriptor of [manifest.config, ...manifest.layers]) {
        const blob = Buffer.from(await (await bearer(`${platform.origin}/v2/demo/blobs/${descriptor.digest}`, token)).arrayBuffer());
        assert.equal(blob.length, descriptor.size);
        assert.equal(`sha256:${createHash('sha256').update(blob).digest('hex')}`, descriptor.digest);
      }
      const config = JSON.parse((await (await bearer(`${platform.origin}/v2/demo/blobs/${manifest.config.digest}`, token)).text())) as Json;
      assert.equal(config.architecture, 'amd64');
      assert.equal(config.os, 'linux');
      assert.equal((await bearer(`${platform.origin}/v2/demo/manifests/nope`, token)).status, 404);
    });

    test('skopeo inspects the demo image with the token as password', { skip: needs('skopeo') }, async () => {
      const image = `docker://${platform.urls.registry}/demo:latest`;
      const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--creds', `x:${String(alice.access_token)}`, image]);
      const inspected = JSON.parse(stdout) as Json;
      assert.equal(inspected.Architecture, 'amd64');
      assert.equal(inspected.Os, 'linux');
      assert.equal((inspected.Layers as unknown[]).length, 1);
      await assert.rejects(run('skopeo', ['inspect', '--tls-verify=false', '--creds', 'x:not-a-token', image]));
    });

    test('npm whoami and kube /api', async () => {
      const token = String(alice.access_token);
      assert.equal((await fetch(`${platform.urls.npm}-/whoami`)).status, 401);
      assert.deepEqual(await (await bearer(`${platform.urls.npm}-/whoami`, token)).json(), { username: 'alice@example.com' });
      const { clientId, clientSecret } = platform.serviceAccounts.secret;
      const service = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      assert.deepEqual(await (await fetch(`${platform.urls.npm}-/whoami`, { headers: { authorization: basicAuth(String(service.body.access_token)) } })).json(), { username: clientId });

      const unauthorized = await fetch(`${platform.urls.kube}/api`);
      assert.equal(unauthorized.status, 401);
      assert.equal(unauthorized.headers.get('www-authenticate'), 'Basic realm="amplify"');
      const api = await bearer(`${platform.urls.kube}/api`, token);
      assert.equal(api.status, 200);
      assert.deepEqual(await api.json(), {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${platform.port}` }],
      });
      const sub = platform.people.find((p) => p.username === 'alice')?.sub;
      assert.equal(platform.seen.npm.at(-1), clientId);
      assert.equal(platform.seen.npm.at(-2), sub);
      assert.equal(platform.seen.kube.at(-1), sub);
    });

    test('git clone over smart HTTP works with a token and fails without one', async () => {
      const work = await mkdtemp(join(tmpdir(), 'platform-git-test-'));
      const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '' };
      try {
        const withToken = platform.urls.git.replace('http://', `http://x:${String(alice.access_token)}@`);
        await run('git', ['clone', '--quiet', withToken, join(work, 'ok')], { env });
        assert.match(await readFile(join(work, 'ok', 'README.md'), 'utf8'), /^# demo/);
        const { stdout } = await run('git', ['-C', join(work, 'ok'), 'log', '--format=%s'], { env });
        assert.equal(stdout.trim(), 'Initial commit');
        assert.equal(platform.seen.git.at(-1), platform.people.find((p) => p.username === 'alice')?.sub);

        await assert.rejects(run('git', ['clone', '--quiet', platform.urls.git, join(work, 'anonymous')], { env }), /Authentication failed|could not read Username|terminal prompts disabled/);
        const badToken = platform.urls.git.replace('http://', 'http://x:not-a-token@');
        await assert.rejects(run('git', ['clone', '--quiet', badToken, join(work, 'bad')], { env }), /Authentication failed/);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  });
});

describe('short-lived tokens', () => {
  test("an expired refresh token is refused with Keycloak's Token is not active; the defaults are the platform's 30 min and 6 h", async () => {
    const short = await startPlatform({ refreshTokenTTL: 2 });
    try {
      const tokens = await tokenRequest(short, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'bob-pw', scope: 'openid' });
      assert.equal(tokens.body.expires_in, 1800);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      const refused = await tokenRequest(short, { grant_type: 'refresh_token', client_id: 'amplify-cli', refresh_token: String(tokens.body.refresh_token) });
      assert.deepEqual(refused.body, { error: 'invalid_grant', error_description: 'Token is not active' });
    } finally {
      await short.close();
    }
    const defaults = await startPlatform();
    try {
      const tokens = await tokenRequest(defaults, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'bob-pw', scope: 'openid' });
      const refreshExpiry = await defaults.introspect(String(tokens.body.refresh_token));
      assert.equal(tokens.body.expires_in, 1800);
      const left = Number(refreshExpiry.exp) - Math.floor(Date.now() / 1000);
      assert.ok(left > 6 * 3600 - 120 && left <= 6 * 3600, `refresh token lives 6 h (${left} s left)`);
    } finally {
      await defaults.close();
    }
  });

  test('an expired access token is refused everywhere while its refresh token still works', async () => {
    // Expiry is counted in whole seconds from a truncated issue time, so a 1 s token can be dead at once on a busy machine:
    // 3 s leaves every "still valid" check at least 2 s, and 3.1 s of waiting outlives both tokens.
    const platform = await startPlatform({ accessTokenTTL: 3 });
    try {
      const tokens = await tokenRequest(platform, { grant_type: 'password', client_id: platform.genericClientId, username: 'alice', password: 'alice-pw', scope: 'openid offline_access' });
      assert.equal(tokens.body.expires_in, 3);
      const { clientId, clientSecret } = platform.serviceAccounts.secret;
      const service = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
      assert.equal(service.body.expires_in, 3);
      assert.equal((await bearer(`${platform.origin}/-/whoami`, tokens.body.access_token)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      for (const token of [tokens.body.access_token, service.body.access_token]) {
        assert.equal((await bearer(`${platform.origin}/-/whoami`, token)).status, 401);
        assert.equal((await bearer(`${platform.platformUrl}/api/v1/auth/findSession`, token)).status, 401);
        assert.equal((await platform.introspect(String(token))).active, false);
      }
      const refreshed = await tokenRequest(platform, { grant_type: 'refresh_token', client_id: platform.genericClientId, refresh_token: String(tokens.body.refresh_token) });
      assert.equal(refreshed.status, 200);
      assert.equal((await bearer(`${platform.origin}/-/whoami`, refreshed.body.access_token)).status, 200);
    } finally {
      await platform.close();
    }
  });

  test('a fixed port and directory are honoured; key files land there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'platform-dir-test-'));
    try {
      const probe = await startPlatform();
      const port = probe.port;
      await probe.close();
      const platform = await startPlatform({ port, dir });
      try {
        assert.equal(platform.port, port);
        assert.equal(platform.serviceAccounts.rsa.keyFile, join(dir, 'sa-rsa.pem'));
        assert.ok(existsSync(join(dir, 'sa-ec.pem')));
      } finally {
        await platform.close();
      }
      assert.ok(existsSync(join(dir, 'sa-rsa.pem')), 'a caller-owned directory is left in place');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('as strict as the Amplify Platform where a client can tell', () => {
  let platform: Platform;
  before(async () => {
    platform = await startPlatform();
  });
  after(async () => platform?.close());
  const amplifyCli = { client_id: 'amplify-cli', scope: 'openid' };

  test('amplify-cli comes back only to http://localhost:<port>/callback/<id>; scope openid still brings a refresh token', async () => {
    const redirectUri = 'http://localhost:3000/callback/0A1B2C3D';
    const request = pkceRequest(platform, redirectUri, amplifyCli);
    const callback = new URL(await completeAuthorization(request.url, 'alice', 'alice-pw'));
    const code = callback.searchParams.get('code');
    assert.ok(code, callback.href);
    const tokens = await tokenRequest(platform, { grant_type: 'authorization_code', client_id: 'amplify-cli', code, redirect_uri: redirectUri, code_verifier: request.verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.refresh_token, 'Keycloak gives amplify-cli a refresh token without offline_access');
    for (const refused of ['http://127.0.0.1:3000/callback/0A1B2C3D', 'http://127.0.0.1:3000/callback', 'http://localhost:3000/callback', 'http://[::1]:3000/callback/0A1B2C3D', 'https://localhost:3000/callback/0A1B2C3D']) {
      await assert.rejects(completeAuthorization(pkceRequest(platform, refused, amplifyCli).url, 'alice', 'alice-pw'), /HTTP 400[\s\S]*Invalid parameter: redirect_uri/, refused);
    }
    // a plain OIDC client keeps RFC 8252's loopback rule
    assert.ok(await completeAuthorization(pkceRequest(platform, 'http://127.0.0.1:40000/callback').url, 'alice', 'alice-pw'));
  });

  test('offline_access is an invalid scope for amplify-cli (authorization, password and device requests)', async () => {
    const left = new URL(await completeAuthorization(pkceRequest(platform, 'http://localhost:3000/callback/0A1B2C3D', { ...amplifyCli, scope: 'openid offline_access' }).url, 'alice', 'alice-pw').catch((e: Error) => e.message));
    assert.equal(left.searchParams.get('error'), 'invalid_scope');
    const password = await tokenRequest(platform, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'bob-pw', scope: 'openid offline_access' });
    assert.equal(password.status, 400);
    assert.equal(password.body.error, 'invalid_scope');
    const device = await fetch(platform.endpoints.deviceAuthorization, { method: 'POST', body: new URLSearchParams({ client_id: 'amplify-cli', scope: 'openid offline_access' }) });
    assert.equal(device.status, 400);
    assert.equal(((await device.json()) as { error: string }).error, 'invalid_scope');
    const ok = await tokenRequest(platform, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'bob-pw', scope: 'openid' });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.refresh_token);
  });

  test("refusals carry Keycloak's bodies: Stale token, Session not active, Invalid user credentials", async () => {
    const tokens = await tokenRequest(platform, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'bob-pw', scope: 'openid' });
    const refresh = (token: unknown) => tokenRequest(platform, { grant_type: 'refresh_token', client_id: 'amplify-cli', refresh_token: String(token) });
    const rotated = await refresh(tokens.body.refresh_token);
    assert.equal(rotated.status, 200);
    assert.deepEqual((await refresh(tokens.body.refresh_token)).body, { error: 'invalid_grant', error_description: 'Stale token' });
    const again = await tokenRequest(platform, { grant_type: 'password', client_id: 'amplify-cli', username: 'alice', password: 'alice-pw', scope: 'openid' });
    await platform.revokeGrantsFor('alice');
    assert.deepEqual((await refresh(again.body.refresh_token)).body, { error: 'invalid_grant', error_description: 'Session not active' });
    const wrong = await tokenRequest(platform, { grant_type: 'password', client_id: 'amplify-cli', username: 'bob', password: 'nope', scope: 'openid' });
    assert.equal(wrong.body.error_description, 'Invalid user credentials');
  });

  test('findSession answers only an AMPLIFY SDK/ User-Agent', async () => {
    const { clientId, clientSecret } = platform.serviceAccounts.secret;
    const tokens = await tokenRequest(platform, { grant_type: 'client_credentials' }, [clientId, clientSecret]);
    const url = `${platform.platformUrl}/api/v1/auth/findSession`;
    for (const agent of ['node', 'amplify-auth/0.1.0', 'Mozilla/5.0 AMPLIFY SDK/1']) {
      const refused = await bearer(url, String(tokens.body.access_token), { headers: { 'user-agent': agent } });
      assert.equal(refused.status, 403, agent);
      assert.match(((await refused.json()) as { description: string }).description, /User-Agent must start with "AMPLIFY SDK\/"/);
    }
    const accepted = await bearer(url, String(tokens.body.access_token), { headers: { 'user-agent': 'AMPLIFY SDK/4.0.0 (linux; x64; node:20.19.0)' } });
    assert.equal(accepted.status, 200);
  });

  test('signed JWTs: aud must be the token endpoint; Keycloak-style clients match kid exactly, the thumbprint client wants its kid', async () => {
    const grant = (clientId: string, assertion: string) =>
      tokenRequest(platform, { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
    const { rsa, thumbprintKid } = platform.serviceAccounts;
    const rsaPem = await readFile(rsa.keyFile, 'utf8');
    const kidPem = await readFile(thumbprintKid.keyFile, 'utf8');
    assert.equal((await grant(rsa.clientId, clientAssertion(platform, rsa.clientId, rsaPem, 'RS256'))).status, 200, 'token endpoint, no kid');
    assert.equal((await grant(rsa.clientId, clientAssertion(platform, rsa.clientId, rsaPem, 'RS256', undefined, platform.issuer))).status, 401, 'the issuer as aud');
    const thumbprint = createHash('sha256').update(JSON.stringify({ e: 'AQAB', kty: 'RSA', n: 'x' })).digest('base64url');
    assert.equal((await grant(rsa.clientId, clientAssertion(platform, rsa.clientId, rsaPem, 'RS256', thumbprint))).status, 401, 'a kid that is not the stored one');
    assert.notEqual(rsa.kid, thumbprint);
    assert.equal((await grant(thumbprintKid.clientId, clientAssertion(platform, thumbprintKid.clientId, kidPem, 'ES256'))).status, 401, 'no kid');
    assert.equal((await grant(thumbprintKid.clientId, clientAssertion(platform, thumbprintKid.clientId, kidPem, 'ES256', thumbprintKid.kid, platform.issuer))).status, 401, 'kid, issuer aud');
    assert.equal((await grant(thumbprintKid.clientId, clientAssertion(platform, thumbprintKid.clientId, kidPem, 'ES256', thumbprintKid.kid))).status, 200, 'kid, token endpoint');
  });

  test('clients that bend the rules: sa-post refuses Basic, sa-gateway answers a bare 403', async () => {
    const { postOnly, bareRefusal } = platform.serviceAccounts;
    const basic = await tokenRequest(platform, { grant_type: 'client_credentials' }, [postOnly.clientId, postOnly.clientSecret]);
    assert.equal(basic.status, 401);
    assert.equal(basic.body.error, 'invalid_client');
    const post = await tokenRequest(platform, { grant_type: 'client_credentials', client_id: postOnly.clientId, client_secret: postOnly.clientSecret });
    assert.equal(post.status, 200);
    const gateway = await fetch(platform.endpoints.token, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${bareRefusal.clientId}:${bareRefusal.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(gateway.status, 403);
    assert.match(gateway.headers.get('content-type') ?? '', /html/);
  });
});
