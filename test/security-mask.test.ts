// The one logging path: mask() hides registered secrets in every spelling they take, and secret-shaped text it was never told about.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { AmplifyError } from '../src/errors.js';
import { createLogger, forgetSecrets, mask, registerSecret } from '../src/log.js';

beforeEach(() => forgetSecrets());

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

describe('registered secrets', () => {
  it('are masked as they are, in a URL or form body, and inside a JSON string', () => {
    const secret = 'p@ss word/"with"&odd=chars+';
    registerSecret(secret);
    for (const text of [
      `password is ${secret}.`,
      `POST /token body=client_secret=${encodeURIComponent(secret)}&grant_type=x`,
      JSON.stringify({ note: secret }),
      `${secret}${secret}`,
    ]) {
      const out = mask(text);
      assert.ok(!out.includes(secret) && !out.includes(encodeURIComponent(secret)) && !out.includes(JSON.stringify(secret).slice(1, -1)), `${text} → ${out}`);
    }
  });

  it('mask a PEM key whole, each line of its body alone, and its JSON-escaped form', () => {
    registerSecret(rsaPem);
    const body = rsaPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    assert.ok(!mask(rsaPem).includes(body[1]!));
    for (const line of body.filter((l) => l.length >= 16)) assert.equal(mask(`line: ${line}`), 'line: ***', line);
    assert.ok(!mask(JSON.stringify({ key: rsaPem })).includes(body[2]!));
  });

  it('a longer secret containing a shorter one is masked whole', () => {
    registerSecret('abcdef');
    registerSecret('xxabcdefyy');
    assert.equal(mask('[xxabcdefyy] [abcdef]'), '[***] [***]');
  });

  it('values too short to tell from words are left to the patterns', () => {
    registerSecret('pw');
    registerSecret(undefined);
    registerSecret(null);
    registerSecret('');
    assert.equal(mask('pw is short'), 'pw is short');
  });

  it('property: a registered secret never survives masking, wherever it sits', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40, unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.nat(3), (secret, before, after, times) => {
        forgetSecrets();
        registerSecret(secret);
        const text = before + Array.from({ length: times + 1 }, () => secret).join(after) + after;
        const out = mask(text);
        assert.ok(!out.includes(secret), JSON.stringify({ secret, text, out }));
        assert.ok(!out.includes(encodeURIComponent(secret.trim())) || secret.trim().length < 6);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('secret-shaped text nobody registered', () => {
  it('private keys, whole or cut short', () => {
    for (const key of [pem, rsaPem]) {
      assert.equal(mask(`key: ${key}`).trim(), 'key: [private key]');
      const cut = key.slice(0, 120);
      assert.equal(mask(`key: ${cut}`), 'key: [private key]');
    }
    assert.equal(mask('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----'), '[private key]');
    assert.equal(mask('-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n-----END OPENSSH PRIVATE KEY-----'), '[private key]');
  });

  it('JWTs, authorization headers, secret parameters, URL passwords', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const cases: Array<[string, string]> = [
      [`id ${jwt} end`, 'id [jwt] end'],
      ['Authorization: Bearer abc.def-ghi~', 'Authorization: Bearer ***'],
      ['authorization: basic dXNlcjpwYXNz', 'authorization: basic ***'],
      ['grant_type=refresh_token&refresh_token=opaque123&client_id=x', 'grant_type=refresh_token&refresh_token=***&client_id=x'],
      ['client_secret=s3cr3t&password=hunter2', 'client_secret=***&password=***'],
      ['{"access_token": "opaque-at", "token_type":"Bearer"}', '{"access_token": "***", "token_type":"Bearer"}'],
      ['{"accessToken":"a1","refreshToken":"r1","clientSecret":"c1","privateKey":"k1"}', '{"accessToken":"***","refreshToken":"***","clientSecret":"***","privateKey":"***"}'],
      ['{"ServerURL":"r","Username":"u","Secret":"docker-pw"}', '{"ServerURL":"r","Username":"u","Secret":"***"}'],
      ['password=tok\ncredential=tok2\n', 'password=***\ncredential=***\n'],
      ['GET https://cb.example/callback?code=authz-code&state=s1', 'GET https://cb.example/callback?code=***&state=s1'],
      ['device_code=dc1 code_verifier=cv1 client_assertion=ca1', 'device_code=*** code_verifier=*** client_assertion=***'],
      ['AMPLIFY_TOKEN=t1 NODE_AUTH_TOKEN=t2 AMPLIFY_CLIENT_SECRET=t3 AMPLIFY_PASSWORD=t4', 'AMPLIFY_TOKEN=*** NODE_AUTH_TOKEN=*** AMPLIFY_CLIENT_SECRET=*** AMPLIFY_PASSWORD=***'],
      ['//registry.example/:_authToken=npm_abc', '//registry.example/:_authToken=***'],
      ['clone https://user:tok3n@git.example.com/r.git', 'clone https://user:***@git.example.com/r.git'],
    ];
    for (const [input, expected] of cases) assert.equal(mask(input), expected, input);
  });

  it('leaves the words of ordinary messages alone', () => {
    for (const text of [
      'amplify: no OS keyring answered; tokens are stored in /home/u/.config/amplify/tokens.json (mode 0600).',
      'the command exited with code 1',
      'git credential helper for https://git.example.com',
      '--client-secret and --secret-file are two ways to log a service account in; give one.',
      'POST http://127.0.0.1:4000/auth/realms/Broker/protocol/openid-connect/token',
      'refused the username or password for bob',
      'To sign in, open http://127.0.0.1:4000/device and enter the code:\n\n    ABCD-EFGH',
    ]) {
      assert.equal(mask(text), text);
    }
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        mask(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('where masking happens', () => {
  it('debug lines only with AMPLIFY_DEBUG=1, every line masked', () => {
    let out = '';
    const stream = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    registerSecret('the-refresh-token-value');
    createLogger(stream, false).debug('POST /token refresh_token=the-refresh-token-value');
    assert.equal(out, '');
    const log = createLogger(stream, true);
    log.debug('POST /token body=the-refresh-token-value');
    log.warn('could not refresh (the-refresh-token-value)');
    assert.equal(out, 'amplify: debug: POST /token body=***\ncould not refresh (***)\n');
  });

  it('error messages are masked where they are made', () => {
    registerSecret('s3cret-client-value');
    const error = new AmplifyError('EAUTH', 'the issuer refused s3cret-client-value (Bearer abc.def)');
    assert.equal(error.message, 'the issuer refused *** (Bearer ***)');
    assert.ok(!String(error.stack).includes('s3cret-client-value'));
  });
});
