// The pure parts of choosing an issuer and a client authentication style: --env/--base-url/--issuer, the retry rules, RFC 7638.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
// jose comes with openid-client (pinned): an independent RFC 7638 implementation to check ours against
import { calculateJwkThumbprint } from 'jose';
import { loginCommand } from '../../src/accounts/model.js';
import { fallbackStyle, firstJwtStyle, firstSecretStyle, jwkThumbprint } from '../../src/flows/client-auth.js';
import { chooseIssuer } from '../../src/flows/issuer.js';
import { checkRedirectUri } from '../../src/flows/loopback.js';
import type { AccountRecord } from '../../src/store/config.js';

describe('chooseIssuer', () => {
  it('--env names the platform issuers, Amplify rules on', () => {
    assert.deepEqual(chooseIssuer({}), { issuer: 'https://login.axway.com/auth/realms/Broker', platformUrl: 'https://platform.axway.com', env: 'prod', amplify: true });
    assert.equal(chooseIssuer({ env: 'staging' }).issuer, 'https://login.axwaytest.net/auth/realms/Broker');
  });

  it('--base-url [--realm]: <base>/auth/realms/<realm>, the platform API at the base unless --platform-url', () => {
    assert.deepEqual(chooseIssuer({ baseUrl: 'https://amplify.example.com/' }), {
      issuer: 'https://amplify.example.com/auth/realms/Broker',
      platformUrl: 'https://amplify.example.com',
      env: null,
      amplify: true,
    });
    const custom = chooseIssuer({ baseUrl: 'https://example.com/amplify', realm: 'Staff', platformUrl: 'https://api.example.com' });
    assert.equal(custom.issuer, 'https://example.com/amplify/auth/realms/Staff');
    assert.equal(custom.platformUrl, 'https://api.example.com');
    assert.throws(() => chooseIssuer({ baseUrl: 'http://amplify.example.com' }), /must use https/);
    assert.throws(() => chooseIssuer({ baseUrl: 'https://a.example', realm: 'a/b' }), /is not a realm name/);
    assert.throws(() => chooseIssuer({ realm: 'Broker' }), /give --base-url too/);
    assert.throws(() => chooseIssuer({ env: 'prod', baseUrl: 'https://a.example' }), /--env and --base-url each name the issuer/);
  });

  it('--issuer: no Amplify rules; a pasted discovery URL is read as given', () => {
    assert.deepEqual(chooseIssuer({ issuer: 'https://id.example.com/realms/x/' }), { issuer: 'https://id.example.com/realms/x', platformUrl: null, env: null, amplify: false });
    const pasted = chooseIssuer({ issuer: 'https://id.example.com/realms/x/.well-known/openid-configuration' });
    assert.equal(pasted.issuer, 'https://id.example.com/realms/x');
    assert.equal(pasted.discoveryUrl, 'https://id.example.com/realms/x/.well-known/openid-configuration');
  });
});

describe('client authentication styles', () => {
  const both = { token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] };
  const refused = { status: 401, error: 'invalid_client' };

  it('first tries: Basic unless only post is listed; a JWT for the token endpoint (Amplify) or the issuer (others), no kid', () => {
    assert.deepEqual(firstSecretStyle(both), { method: 'client_secret_basic' });
    assert.deepEqual(firstSecretStyle({}), { method: 'client_secret_basic' });
    assert.deepEqual(firstSecretStyle({ token_endpoint_auth_methods_supported: ['client_secret_post'] }), { method: 'client_secret_post' });
    assert.deepEqual(firstJwtStyle(true), { method: 'private_key_jwt', aud: 'token_endpoint', kid: false });
    assert.deepEqual(firstJwtStyle(false), { method: 'private_key_jwt', aud: 'issuer', kid: false });
  });

  it('one retry: Basic → post where listed; JWT for the issuer → token endpoint + kid; nothing after a second style or another error', () => {
    assert.deepEqual(fallbackStyle({ method: 'client_secret_basic' }, both, refused), { method: 'client_secret_post' });
    assert.deepEqual(fallbackStyle({ method: 'client_secret_basic' }, both, { status: 400, error: 'invalid_client' }), { method: 'client_secret_post' });
    assert.equal(fallbackStyle({ method: 'client_secret_basic' }, { token_endpoint_auth_methods_supported: ['client_secret_basic'] }, refused), undefined);
    assert.equal(fallbackStyle({ method: 'client_secret_basic' }, both, { status: 400, error: 'invalid_scope' }), undefined);
    assert.equal(fallbackStyle({ method: 'client_secret_post' }, both, refused), undefined);
    assert.deepEqual(fallbackStyle(firstJwtStyle(false), both, refused), { method: 'private_key_jwt', aud: 'token_endpoint', kid: true });
    assert.equal(fallbackStyle(firstJwtStyle(true), both, refused), undefined, 'an Amplify deployment gets what its CLI sends, once');
    assert.equal(fallbackStyle(firstJwtStyle(false), both, new Error('socket hang up')), undefined);
  });

  it('the kid is the RFC 7638 thumbprint (checked against jose, openid-client\'s own JOSE library)', async () => {
    for (const pair of [generateKeyPairSync('rsa', { modulusLength: 2048 }), generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-384' })]) {
      const jwk = pair.publicKey.export({ format: 'jwk' });
      assert.equal(jwkThumbprint(pair.privateKey), await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]));
    }
  });
});

describe('redirects and re-login hints', () => {
  it('--redirect-uri: loopback http on localhost, 127.0.0.1 or [::1] only', () => {
    for (const ok of ['http://127.0.0.1:8400/callback', 'http://localhost:0/cb', 'http://[::1]:9000/']) assert.equal(checkRedirectUri(ok).href.startsWith('http://'), true, ok);
    for (const bad of ['https://127.0.0.1/cb', 'http://example.com/cb', 'http://10.0.0.1/cb', 'http://127.0.0.1/cb?x=1', 'http://u:p@127.0.0.1/cb', 'nonsense']) {
      assert.throws(() => checkRedirectUri(bad), /--redirect-uri/, bad);
    }
  });

  it('a --base-url account is logged in again with --base-url (and --realm where it is not Broker)', () => {
    const record = { amplify: true, env: null, issuer: 'https://a.example/auth/realms/Staff', platformUrl: 'https://a.example', clientId: 'amplify-cli', method: 'pkce', user: { email: null } } as unknown as AccountRecord;
    assert.equal(loginCommand(record), 'amplify auth login --base-url https://a.example --realm Staff --force');
    assert.equal(loginCommand({ ...record, amplify: false }), 'amplify auth login --issuer https://a.example/auth/realms/Staff --platform-url https://a.example --force');
  });
});
