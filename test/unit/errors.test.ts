// The one error renderer (src/errors.ts renderError): what commands and helpers print for a failure, masked.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { AmplifyError, clause, errorLine, renderError } from '../../src/errors.js';
import { forgetSecrets, registerSecret } from '../../src/log.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const NO_DEBUG = {};
const DEBUG = { AMPLIFY_DEBUG: '1' };

const refusal = (): AmplifyError =>
  new AmplifyError('EAUTH', {
    issuer: 'https://login.example.com',
    doing: 'refreshing svc',
    oauthError: { error: 'invalid_client', description: 'bad secret' },
    fault: 'https://login.example.com refused refreshing svc: invalid_client (bad secret)',
    hint: 'if its credential changed, run `amplify auth login --force`',
  });

describe('AmplifyError parts', () => {
  it('builds its line from fault, hint and note, and keeps the parts', () => {
    const error = refusal();
    assert.equal(error.message, 'https://login.example.com refused refreshing svc: invalid_client (bad secret); if its credential changed, run `amplify auth login --force`.');
    assert.equal(error.issuer, 'https://login.example.com');
    assert.equal(error.doing, 'refreshing svc');
    assert.deepEqual(error.oauthError, { error: 'invalid_client', description: 'bad secret' });
    assert.equal(error.hint, 'if its credential changed, run `amplify auth login --force`');
    const login = new AmplifyError('ENEEDSLOGIN', { account: 'alice', fault: 'alice needs a new login', join: ': ', hint: 'run `amplify auth login`' });
    assert.equal(login.message, 'alice needs a new login: run `amplify auth login`.');
    assert.equal(login.account, 'alice');
    const noted = new AmplifyError('EISSUER', { fault: 'the issuer refused it', note: 'The clock here is 90 s ahead' });
    assert.equal(noted.message, 'the issuer refused it. The clock here is 90 s ahead.');
  });

  it('gives the line without its closing full stop to quote it inside another (clause)', () => {
    assert.equal(clause(refusal()), 'https://login.example.com refused refreshing svc: invalid_client (bad secret); if its credential changed, run `amplify auth login --force`');
    assert.equal(clause(new AmplifyError('EISSUER', { fault: 'refused', note: 'The clock is off' })), 'refused. The clock is off');
    assert.equal(clause(new AmplifyError('ESTORE', 'cannot write config.json.')), 'cannot write config.json');
    assert.equal(clause(new Error('ENOSPC: no space left on device.')), 'ENOSPC: no space left on device');
    assert.equal(clause('plain'), 'plain');
  });
});

describe('renderError', () => {
  it('a command: one line on stderr, the exit code of the error (usage: 2)', () => {
    assert.deepEqual(renderError(refusal(), 'command', NO_DEBUG), { stdout: '', stderr: `amplify: ${refusal().message}\n`, exitCode: 1 });
    assert.deepEqual(renderError(new AmplifyError('EUSAGE', 'name one account.'), 'command', NO_DEBUG), { stdout: '', stderr: 'amplify: name one account.\n', exitCode: 2 });
    assert.deepEqual(renderError(new TypeError('x is undefined'), 'command', NO_DEBUG), { stdout: '', stderr: 'amplify: unexpected error: x is undefined\n', exitCode: 1 });
  });

  it('a command with --json: {"error":{code,message}} on stdout, nothing on stderr', () => {
    const out = renderError(refusal(), 'command-json', NO_DEBUG);
    assert.equal(out.stderr, '');
    assert.equal(out.exitCode, 1);
    assert.equal(out.stdout, `${JSON.stringify({ error: { code: 'EAUTH', message: refusal().message } }, null, 2)}\n`);
    assert.deepEqual(Object.keys(JSON.parse(out.stdout).error), ['code', 'message']);
    assert.deepEqual(JSON.parse(renderError(new Error('boom'), 'command-json', NO_DEBUG).stdout), { error: { code: 'EUNEXPECTED', message: 'unexpected error: boom' } });
  });

  it('a helper: the message as it is, on stderr, or on stdout for docker; exit 1 whatever the code', () => {
    assert.deepEqual(renderError(refusal(), 'helper', NO_DEBUG), { stdout: '', stderr: `amplify: ${refusal().message}\n`, exitCode: 1 });
    assert.deepEqual(renderError(refusal(), 'helper-stdout', NO_DEBUG), { stdout: `amplify: ${refusal().message}\n`, stderr: '', exitCode: 1 });
    assert.deepEqual(renderError(new AmplifyError('EUSAGE', 'bad.'), 'helper', NO_DEBUG).exitCode, 1);
    assert.equal(renderError(new Error('ENOENT: gone'), 'helper-stdout', NO_DEBUG).stdout, 'amplify: ENOENT: gone\n');
    assert.equal(errorLine(new Error('gone')), 'amplify: gone');
  });

  it('masks a token-shaped value and a registered secret, in the message and in the hint', () => {
    registerSecret('s3cr3t-client-value');
    try {
      const error = new AmplifyError('EAUTH', { fault: `the issuer echoed ${JWT}`, hint: 'run it with client_secret=s3cr3t-client-value again' });
      // A secret registered only after the error was made is masked by the renderer still.
      const late = new Error(`late ${'later-registered-secret'}`);
      registerSecret('later-registered-secret');
      for (const output of ['command', 'command-json', 'helper', 'helper-stdout'] as const) {
        const { stdout, stderr } = renderError(error, output, DEBUG);
        const all = stdout + stderr;
        assert.doesNotMatch(all, /eyJhbGciOiJSUzI1NiJ9|s3cr3t-client-value/, output);
        assert.match(all, /\[jwt\]/, output);
        const lateOut = renderError(late, output, DEBUG);
        assert.doesNotMatch(lateOut.stdout + lateOut.stderr, /later-registered-secret/, output);
      }
      assert.doesNotMatch(clause(error), /s3cr3t-client-value|eyJhbGciOiJSUzI1NiJ9/);
    } finally {
      forgetSecrets();
    }
  });

  it('adds the masked stack on stderr only with AMPLIFY_DEBUG=1', () => {
    const error = new AmplifyError('EISSUER', `the issuer said ${JWT}.`);
    for (const output of ['command', 'command-json', 'helper', 'helper-stdout'] as const) {
      assert.doesNotMatch(renderError(error, output, NO_DEBUG).stderr, /\n\s+at /, output);
      assert.doesNotMatch(renderError(error, output, { AMPLIFY_DEBUG: 'true' }).stderr, /\n\s+at /, output);
      const { stderr } = renderError(error, output, DEBUG);
      assert.match(stderr, /AmplifyError: the issuer said \[jwt\]\n\s+at /, output);
      assert.doesNotMatch(stderr, /eyJhbGciOiJSUzI1NiJ9/, output);
    }
    // --json keeps stdout JSON alone; the trace goes to stderr.
    const json = renderError(error, 'command-json', DEBUG);
    assert.doesNotThrow(() => JSON.parse(json.stdout));
  });
});

describe('one boundary', () => {
  const src = join(import.meta.dirname, '..', '..', 'src');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : name.endsWith('.ts') ? [join(dir, name)] : []));
  const using = (pattern: RegExp): string[] => files(src).filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((file) => relative(src, file)).sort();

  it('masks in the logger, the error renderer and the helpers\' answer writer only', () => {
    assert.deepEqual(using(/(?<![\w.])mask\(/), ['credential/io.ts', 'errors.ts', 'log.ts']);
  });

  it('reads AMPLIFY_DEBUG in one place (src/debug.ts debugOn)', () => {
    assert.deepEqual(using(/\.AMPLIFY_DEBUG\b/), ['debug.ts']);
  });
});
