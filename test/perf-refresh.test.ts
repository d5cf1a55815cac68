// A refreshing helper call costs one request to the issuer: the discovery document comes from config.json.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPlatform, type Platform } from './platform/index.js';
import { sandbox } from './support/cli.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

test('a get that must refresh makes exactly one issuer request, and a cached one none', async () => {
  const box = await sandbox();
  try {
    const sa = platform.serviceAccounts.secret;
    const login = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--platform-url', platform.platformUrl, '--client-id', sa.clientId], {
      env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret },
    });
    assert.equal(login.code, 0, login.stderr);
    const setup = await box.amplify(['auth', 'setup', 'git', '--host', `127.0.0.1:${platform.port}`], { env: { GIT_CONFIG_GLOBAL: `${box.home}/.gitconfig` } });
    assert.equal(setup.code, 0, setup.stderr);
    const input = `protocol=http\nhost=127.0.0.1:${platform.port}\n\n`;
    const requestLines = (stderr: string) => stderr.split('\n').filter((line) => /^amplify: debug: (GET|POST) /.test(line));

    const cached = await box.run('git-credential-amplify', ['get'], { input, env: { AMPLIFY_DEBUG: '1' } });
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stdout, /^password=/m);
    assert.deepEqual(requestLines(cached.stderr), [], 'a cached answer makes no request');

    // erase with the token git used drops it: the next get must refresh.
    const token = /^password=(.*)$/m.exec(cached.stdout)![1]!;
    const erase = await box.run('git-credential-amplify', ['erase'], { input: `protocol=http\nhost=127.0.0.1:${platform.port}\nusername=oauth2\npassword=${token}\n\n` });
    assert.equal(erase.code, 0, erase.stderr);
    platform.resetStats();
    const refreshing = await box.run('git-credential-amplify', ['get'], { input, env: { AMPLIFY_DEBUG: '1' } });
    assert.equal(refreshing.code, 0, refreshing.stderr);
    assert.notEqual(/^password=(.*)$/m.exec(refreshing.stdout)![1], token);
    assert.deepEqual(requestLines(refreshing.stderr), [`amplify: debug: POST ${platform.endpoints.token}`], 'one round trip: the token request, no discovery');
    assert.equal(platform.stats().tokenRequests.length, 1);
  } finally {
    await box.cleanup();
  }
});
