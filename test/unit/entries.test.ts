// The table of entry points (src/bin/entries.ts): which command lines the fast tier answers, and who keeps compiled code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAST_ENTRIES, route } from '../../src/bin/entries.js';
import { compileCacheKeeper } from '../../src/bin/fast-start.js';

describe('route: the fast tier gets the exact shapes, the CLI everything else', () => {
  it('the helpers: every argv is their protocol', () => {
    assert.deepEqual(route('git-credential-amplify', ['get']), { entry: 'git', args: ['get'] });
    assert.deepEqual(route('docker-credential-amplify', ['list', 'x']), { entry: 'docker', args: ['list', 'x'] });
  });

  it('amplify: the commands scripts run', () => {
    assert.deepEqual(route('amplify', ['--version']), { entry: 'version' });
    assert.deepEqual(route('amplify', ['-v']), { entry: 'version' });
    assert.deepEqual(route('amplify', ['credential', 'kubectl', '--account', 'a']), { entry: 'kubectl', args: ['--account', 'a'] });
    assert.deepEqual(route('amplify', ['credential', 'npm', '--bearer', '--registry=https://r.example/']), { entry: 'npm', args: ['--bearer', '--registry=https://r.example/'] });
    assert.equal(route('amplify', ['credential', 'npm', '--registry', 'https://r.example/', '--bogus']), undefined);
    assert.deepEqual(route('amplify', ['auth', 'list', '--json']), { entry: 'ls', json: true });
    assert.deepEqual(route('amplify', ['auth', 'token']), { entry: 'token', account: undefined, minValidity: undefined, json: false });
    assert.deepEqual(route('amplify', ['auth', 'token', '--min-validity=0', '--json', '--account', 'x:y@z']), { entry: 'token', account: 'x:y@z', minValidity: 0, json: true });
    assert.deepEqual(route('amplify', ['auth', 'whoami', 'me', '--json']), { entry: 'whoami', account: 'me', json: true });
    assert.deepEqual(route('amplify', ['auth', 'exec', '--account=a', '--', 'npm', '--', '-x']), { entry: 'exec', account: 'a', command: ['npm', '--', '-x'] });
    assert.deepEqual(route('amplify', ['auth', 'exec', '--', '--', 'x']), { entry: 'exec', account: undefined, command: ['--', 'x'] });
  });

  it('amplify: anything else is the CLI\'s (its usage errors, its help)', () => {
    for (const argv of [
      [],
      ['--help'],
      ['--version', '--json'],
      ['auth', 'login'],
      ['credential', 'git', '--help'],
      ['credential', 'npm', 'get'],
      ['auth', 'ls', '-h'],
      ['auth', 'token', '--min-validity', '1.5'],
      ['auth', 'token', '--min-validity', '1e3'],
      ['auth', 'token', '--min-validity', '-1'],
      ['auth', 'token', '--min-validity', '0060'],
      ['auth', 'token', '--account'],
      ['auth', 'token', '--account', '--json'],
      ['auth', 'token', '--account='],
      ['auth', 'token', '--account', 'a', '--account', 'b'],
      ['auth', 'token', 'extra'],
      ['auth', 'whoami', 'a', 'b'],
      ['auth', 'whoami', '-x'],
      ['auth', 'exec', 'true'],
      ['auth', 'exec', '--'],
      ['auth', 'exec', '--', ''],
      ['auth', 'exec', '--bogus', '--', 'true'],
    ]) {
      assert.equal(route('amplify', argv), undefined, argv.join(' '));
    }
  });

  it('every entry can be reached', () => {
    const reached = new Set(
      [['credential', 'git', 'get'], ['credential', 'docker', 'get'], ['credential', 'kubectl'], ['credential', 'npm', '--registry', 'https://r.example/'], ['credential', 'terraform', 'get', 'example.com'], ['auth', 'ls'], ['auth', 'token'], ['auth', 'whoami'], ['auth', 'exec', '--', 'x'], ['--version']].map(
        (argv) => route('amplify', argv)?.entry,
      ),
    );
    assert.deepEqual([...reached].sort(), [...FAST_ENTRIES].sort());
  });
});

describe('compileCacheKeeper: Node\'s own compile cache from 22.1 on, the hand-written V8 cache before', () => {
  it('Node\'s where module.enableCompileCache exists, the V8 cached data where it does not', () => {
    assert.equal(compileCacheKeeper({ enableCompileCache: () => undefined }), 'node');
    assert.equal(compileCacheKeeper({}), 'v8-cached-data');
  });

  it('on this Node', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    assert.equal(compileCacheKeeper(), major > 22 || (major === 22 && minor >= 1) ? 'node' : 'v8-cached-data');
  });
});
