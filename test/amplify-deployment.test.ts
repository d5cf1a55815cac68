// Amplify deployments (--base-url) and issuers that bend the rules, through the real `amplify` bin against the local platform.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

interface StoredAccount {
  issuer: string;
  amplify: boolean;
  scope: string;
  clientAuth: { method: string; aud?: string; kid?: boolean } | null;
  redirectUri: string | null;
}

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => platform?.close());

async function stored(box: Sandbox, name: string): Promise<StoredAccount> {
  const config = JSON.parse(await readFile(join(box.configDir, 'config.json'), 'utf8')) as { accounts: Record<string, StoredAccount> };
  const account = config.accounts[name];
  assert.ok(account, `${name} is stored`);
  return account;
}

const tokenRequests = (clientId: string) => platform.stats().tokenRequests.filter((r) => r.clientId === clientId).map((r) => r.status);

describe('an Amplify deployment at --base-url', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('the issuer is <base-url>/auth/realms/Broker; findSession answers our AMPLIFY SDK/ User-Agent with the name and org', async () => {
    const sa = platform.serviceAccounts.secret;
    const out = await box.amplify(['auth', 'login', '--base-url', `${platform.baseUrl}/`, '--client-id', sa.clientId, '--json'], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    assert.equal(out.code, 0, out.stderr);
    const account = json<{ issuer: string; user: { name: string }; org: { id: string } }>(out);
    assert.equal(account.issuer, platform.issuer);
    // a service account's name and org come from findSession alone, which refuses any other User-Agent
    assert.equal(account.user.name, 'Service account sa-secret');
    assert.equal(account.org?.id, sa.org.id);
    assert.doesNotMatch(out.stderr, /could not read organizations/);
    assert.equal((await stored(box, sa.clientId)).amplify, true);
  });

  test('signed JWT: aud = the token endpoint and no kid, the only assertion the platform takes for sa-rsa', async () => {
    const sa = platform.serviceAccounts.rsa;
    platform.resetStats();
    const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', sa.clientId, '--secret-file', sa.keyFile]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [200], 'one request, accepted the first time');
    assert.deepEqual((await stored(box, sa.clientId)).clientAuth, { method: 'private_key_jwt', aud: 'token_endpoint', kid: false });
    // and a refresh (re-running the grant) uses the same
    const token = await box.amplify(['auth', 'token', '--account', sa.clientId, '--min-validity', '100000']);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [200, 200]);
  });

  test('a person: scope openid, and the refresh token Keycloak gives for it works', async () => {
    const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', 'bob', '--json'], { env: { AMPLIFY_PASSWORD: 'bob-pw' } });
    assert.equal(out.code, 0, out.stderr);
    const name = json<{ name: string }>(out).name;
    assert.equal((await stored(box, name)).scope, 'openid');
    platform.resetStats();
    const token = await box.amplify(['auth', 'token', '--account', name, '--min-validity', '100000']);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(platform.stats().tokenRequests.map((r) => `${r.grantType} ${r.status}`), ['refresh_token 200']);
  });

  test('a refused refresh says what the platform said (Session not active) and how to log in again', async () => {
    await platform.revokeGrantsFor('bob');
    const token = await box.amplify(['auth', 'token', '--account', 'amplify-cli:bob@example.com', '--min-validity', '100000']);
    assert.equal(token.code, 1);
    assert.match(token.stderr, /Session not active/);
    assert.match(token.stderr, /run `amplify auth login --base-url http:\/\/127\.0\.0\.1:\d+ --username bob@example\.com --force`/);
  });

  test('--base-url with --issuer, or --realm alone, is a usage error', async () => {
    const both = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--issuer', platform.issuer]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--issuer and --base-url each name the issuer; give one/);
    const realm = await box.amplify(['auth', 'login', '--realm', 'Other']);
    assert.equal(realm.code, 2);
    assert.match(realm.stderr, /--realm names a realm of the deployment at --base-url/);
  });
});

describe('a plain OIDC issuer (--issuer)', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  test('a pasted discovery URL logs into its issuer, and the issuer stored is the one discovery names: one account', async () => {
    const person = ['--client-id', platform.genericClientId, '--username', 'alice', '--json'];
    const env = { AMPLIFY_PASSWORD: 'alice-pw' };
    const first = await box.amplify(['auth', 'login', '--issuer', platform.endpoints.discovery, ...person], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(json<{ issuer: string }>(first).issuer, platform.issuer);
    const second = await box.amplify(['auth', 'login', '--issuer', `${platform.issuer}/`, ...person], { env });
    assert.equal(second.code, 0, second.stderr);
    const ls = json<Array<{ name: string; issuer: string }>>(await box.amplify(['auth', 'ls', '--json']));
    assert.deepEqual(ls.map((a) => [a.name, a.issuer]), [['oidc-cli:alice@example.com', platform.issuer]]);
    assert.equal((await stored(box, 'oidc-cli:alice@example.com')).scope, 'openid offline_access');
  });

  test('client_secret_basic refused (401 invalid_client): retried once as client_secret_post, kept, and used for the refresh', async () => {
    const sa = platform.serviceAccounts.postOnly;
    platform.resetStats();
    const out = await box.amplify(['auth', 'login', '--issuer', platform.issuer, '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [401, 200]);
    assert.deepEqual((await stored(box, sa.clientId)).clientAuth, { method: 'client_secret_post' });
    const token = await box.amplify(['auth', 'token', '--account', sa.clientId, '--min-validity', '100000']);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [401, 200, 200], 'the refresh goes straight to what worked');
  });

  test('a signed JWT refused with the issuer as aud: retried once with the token endpoint and the RFC 7638 kid, kept, and used again', async () => {
    const sa = platform.serviceAccounts.thumbprintKid;
    platform.resetStats();
    const out = await box.amplify(['auth', 'login', '--issuer', platform.issuer, '--client-id', sa.clientId, '--secret-file', sa.keyFile]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [401, 200]);
    assert.deepEqual((await stored(box, sa.clientId)).clientAuth, { method: 'private_key_jwt', aud: 'token_endpoint', kid: true });
    const token = await box.amplify(['auth', 'token', '--account', sa.clientId, '--min-validity', '100000']);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(tokenRequests(sa.clientId), [401, 200, 200]);
  });

  test('a refusal without an OAuth error body names the HTTP status and what to check, in one line', async () => {
    const sa = platform.serviceAccounts.bareRefusal;
    const out = await box.amplify(['auth', 'login', '--issuer', platform.issuer, '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^amplify: .* refused the client_credentials grant for sa-gateway with HTTP 403 and no OAuth error in its answer; check the client's credentials, --scope, and the client's registration/m);
    assert.equal(out.stderr.trim().split('\n').filter((l) => l.startsWith('amplify: ') && !/keyring/.test(l)).length, 1);
    assert.ok(!out.stderr.includes(sa.clientSecret));
  });
});
