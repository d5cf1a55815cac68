// Where amplify keeps its configuration and its code caches, by platform (src/user-dirs.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeCacheDir } from '../../src/bin/fast-start.js';
import { resolveConfigDir } from '../../src/context.js';

describe('per-user directories', () => {
  it('AMPLIFY_HOME wins for the configuration', () => {
    assert.equal(resolveConfigDir({ AMPLIFY_HOME: '/amp', HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux'), '/amp');
  });

  it('Linux and the other Unixes: XDG, else under HOME', () => {
    assert.equal(resolveConfigDir({ HOME: '/h' }, 'linux'), join('/h', '.config', 'amplify'));
    assert.equal(resolveConfigDir({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'freebsd'), join('/x', 'amplify'));
    assert.equal(codeCacheDir({ HOME: '/h' }, 'linux'), join('/h', '.cache', 'amplify'));
    assert.equal(codeCacheDir({ HOME: '/h', XDG_CACHE_HOME: '/c' }, 'linux'), join('/c', 'amplify'));
  });

  it('macOS: under Library', () => {
    assert.equal(resolveConfigDir({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'darwin'), join('/h', 'Library', 'Preferences', 'amplify'));
    assert.equal(codeCacheDir({ HOME: '/h' }, 'darwin'), join('/h', 'Library', 'Caches', 'amplify'));
  });

  it('Windows: APPDATA and LOCALAPPDATA, else under the profile', () => {
    assert.equal(resolveConfigDir({ HOME: 'H', APPDATA: 'A' }, 'win32'), join('A', 'amplify'));
    assert.equal(resolveConfigDir({ HOME: 'H' }, 'win32'), join('H', 'AppData', 'Roaming', 'amplify'));
    assert.equal(codeCacheDir({ LOCALAPPDATA: 'L' }, 'win32'), join('L', 'amplify', 'Cache'));
    assert.equal(codeCacheDir({ USERPROFILE: 'U' }, 'win32'), join('U', 'AppData', 'Local', 'amplify', 'Cache'));
  });

  it('no home and no variable: no code cache (the configuration falls back to the OS home directory)', () => {
    assert.equal(codeCacheDir({}, 'linux'), undefined);
    assert.equal(codeCacheDir({}, 'darwin'), undefined);
  });
});
