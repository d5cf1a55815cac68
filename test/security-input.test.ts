// Hostile or mistaken input: secrets in usage errors, a URL's username choosing an account, an issuer's raw text and
// absurd numbers, and a clock that disagrees with the issuer's. Through the real bins, against the local platform or a
// hostile issuer on loopback.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GIT_HELPER, helper, loginKey, loginPerson, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

describe('usage errors that repeat the command line mask secret option values', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
  });
  after(async () => box.cleanup());

  const cases: Array<{ args: string[]; secret: string; shown: string }> = [
    { args: ['--client-id', 'x', '--client-secret', '-abc'], secret: '-abc', shown: '--client-secret ***' },
    { args: ['--client-id', 'x', '--client-secret', '-long-secret-value'], secret: 'long-secret-value', shown: '--client-secret ***' },
    { args: ['--client-id', 'x', '--client-secret=s3cret-value-1', '--bogus'], secret: 's3cret-value-1', shown: '--client-secret=***' },
    { args: ['--username', 'bob', '--password', 'hunter-2222', '--bogus'], secret: 'hunter-2222', shown: '--password ***' },
    { args: ['--password=pw9', '--nope'], secret: 'pw9', shown: '--password=***' },
    { args: ['--client-id', 'x', '--client-secret', 'sec-ret-77', 'extra'], secret: 'sec-ret-77', shown: '--client-secret ***' },
  ];

  test('stderr and the --json error show *** for --client-secret and --password, in both spellings, the rest as typed', async () => {
    for (const { args, secret, shown } of cases) {
      for (const json of [false, true]) {
        const out = await box.amplify(['auth', 'login', ...args, ...(json ? ['--json'] : [])]);
        const label = `${args.join(' ')}${json ? ' --json' : ''}`;
        assert.equal(out.code, 2, `${label}: ${out.stderr}${out.stdout}`);
        const text = json ? (JSON.parse(out.stdout) as { error: { code: string; message: string } }).error.message : out.stderr;
        assert.ok(!`${out.stdout}${out.stderr}`.includes(secret), `${label} printed the secret: ${out.stdout}${out.stderr}`);
        assert.ok(text.includes(shown), `${label}: ${text}`);
        assert.ok(text.includes('amplify auth login'), `${label}: the command line is still repeated: ${text}`);
      }
    }
  });
});

describe('git: a username picks an account only where that account is bound to the host', () => {
  let box: Sandbox;
  const hostPort = () => `127.0.0.1:${platform.port}`;
  const request = (...lines: string[]) => `${lines.join('\n')}\n\n`;
  const get = (username?: string) => helper(box, GIT_HELPER, 'get', request('protocol=http', `host=${hostPort()}`, ...(username ? [`username=${username}`] : [])));
  const passwordOf = (stdout: string) => /^password=(.*)$/m.exec(stdout)?.[1];
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
    await loginKey(box, platform);
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort()]);
  });
  after(async () => box.cleanup());

  test('a host bound to the selected account answers for it whatever the username says', async () => {
    const selected = await token(box, 'sa-secret');
    const other = await token(box, 'sa-rsa');
    // The cached tier and the full tier (after an erase, a refresh) give the same answer.
    const cached = await get('sa-rsa');
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(passwordOf(cached.stdout), selected, `a URL naming sa-rsa got: ${cached.stdout}`);
    await helper(box, GIT_HELPER, 'erase', request('protocol=http', `host=${hostPort()}`, 'username=sa-rsa', `password=${selected}`));
    const refreshed = await get('sa-rsa');
    assert.ok(passwordOf(refreshed.stdout), refreshed.stderr);
    assert.notEqual(passwordOf(refreshed.stdout), other);
    assert.equal(await token(box, 'sa-rsa'), other, "sa-rsa's token was not touched");
  });

  test('setup git --account, once per account: several accounts on one host, each picked by its username', async () => {
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', 'sa-rsa']);
    const list = (await box.amplify(['auth', 'setup'])).stdout;
    assert.match(list, new RegExp(`git http://${hostPort().replace(/\./g, '\\.')} → \\(default account\\)`));
    assert.match(list, new RegExp(`git http://${hostPort().replace(/\./g, '\\.')} → sa-rsa`));
    assert.equal(passwordOf((await get('sa-rsa')).stdout), await token(box, 'sa-rsa'));
    assert.equal(passwordOf((await get('oauth2')).stdout), await token(box, 'sa-secret'));
    // Removing the pinned binding leaves the host's other binding (and its git config) in place.
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', 'sa-rsa', '--remove']);
    assert.equal(passwordOf((await get('sa-rsa')).stdout), await token(box, 'sa-secret'));
  });

  test('a host pinned to one account never answers with another account named in the URL', async () => {
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--remove']);
    await mustRun(box, ['auth', 'setup', 'git', '--host', hostPort(), '--account', 'sa-rsa']);
    const out = await get('sa-secret');
    assert.equal(passwordOf(out.stdout), await token(box, 'sa-rsa'), out.stdout);
    const clone = await box.run('git', ['clone', `http://sa-secret@${hostPort()}/demo.git`, join(box.home, 'pinned')]);
    assert.equal(clone.code, 0, clone.stderr);
    assert.equal(platform.seen.git.at(-1), 'sa-rsa');
  });
});

/** A loopback issuer whose token endpoint answers what the test says. */
async function hostileIssuer(answer: (res: ServerResponse) => void): Promise<{ issuer: string; server: Server; setAnswer(a: (res: ServerResponse) => void): void }> {
  let current = answer;
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: base,
          token_endpoint: `${base}/token`,
          authorization_endpoint: `${base}/auth`,
          jwks_uri: `${base}/jwks`,
          response_types_supported: ['code'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        }),
      );
      return;
    }
    if (req.url === '/api/v1/auth/findSession') {
      // A platform whose names carry terminal escapes.
      const org = { org_id: 'o1', guid: 'g1', name: 'Evil\u001b]0;pwned\u0007 Org\r' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { user: { email: 'mallory\u001b[2J@example.com', firstname: 'Mal\u0000', lastname: 'Lory\u009b' }, org, orgs: [org] } }));
      return;
    }
    req.resume();
    req.on('end', () => current(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, setAnswer: (a) => (current = a) };
}

describe('an issuer that sends control characters and absurd numbers', () => {
  let box: Sandbox;
  let hostile: Awaited<ReturnType<typeof hostileIssuer>>;
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  before(async () => {
    box = await sandbox();
    hostile = await hostileIssuer((res) => res.writeHead(500).end());
  });
  after(async () => {
    hostile.server.close();
    await box.cleanup();
  });
  const login = (json = false) =>
    box.amplify(['auth', 'login', '--issuer', hostile.issuer, '--client-id', 'hostile-sa', ...(json ? ['--json'] : [])], { env: { AMPLIFY_CLIENT_SECRET: 'hostile-secret-1' } });

  test('error and error_description reach the terminal without ESC, CR, NUL or other control characters', async () => {
    hostile.setAnswer((res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request\u001b[2J', error_description: 'go \u001b[31maway\r\u0000now\u0007\u009b' })),
    );
    const out = await login();
    assert.equal(out.code, 1);
    assert.ok(!CONTROL.test(out.stderr.replace(/\n$/, '')), JSON.stringify(out.stderr));
    assert.match(out.stderr, /^amplify: .*invalid_request\[2J.*go \[31mawaynow.*\n$/);
    const asJson = await login(true);
    const message = json<{ error: { message: string } }>(asJson).error.message;
    assert.ok(!CONTROL.test(message), JSON.stringify(message));
  });

  test("names and organizations from the issuer's platform are listed without control characters", async () => {
    hostile.setAnswer((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'hostile-access-token-2', token_type: 'Bearer', expires_in: 300 })));
    const out = await box.amplify(['auth', 'login', '--issuer', hostile.issuer, '--platform-url', hostile.issuer, '--client-id', 'named-sa'], { env: { AMPLIFY_CLIENT_SECRET: 'hostile-secret-1' } });
    assert.equal(out.code, 0, out.stderr);
    const list = await box.amplify(['auth', 'ls']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /Evil\]0;pwned Org/);
    assert.ok(!CONTROL.test(`${out.stdout}${out.stderr}${list.stdout}`.replace(/\n/g, '')), JSON.stringify(list.stdout));
    await mustRun(box, ['auth', 'logout', '--all']);
  });

  test('expires_in of 9e12, negative or not finite is refused in one line; nothing is stored', async () => {
    for (const [field, value] of [
      ['expires_in', 9e12],
      ['expires_in', -5],
      ['refresh_expires_in', 1e300],
    ] as const) {
      hostile.setAnswer((res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'hostile-access-token', token_type: 'Bearer', expires_in: 300, [field]: value })),
      );
      const out = await login();
      assert.equal(out.code, 1, `${field}=${value}: ${out.stderr}`);
      assert.doesNotMatch(out.stderr, /Invalid time value|RangeError/);
      assert.match(out.stderr, new RegExp(`^amplify: .*${field}.*\\n$`), `${field}=${value}`);
      assert.ok(!out.stderr.includes('hostile-access-token'));
      assert.deepEqual(json(await box.amplify(['auth', 'ls', '--json'])), [], 'no account was stored');
    }
  });
});

describe('a clock that disagrees with the issuer', () => {
  let box: Sandbox;
  let shift: string;
  before(async () => {
    box = await sandbox();
    // A client whose clock is off: every Date.now() and new Date() of the amplify process is shifted.
    shift = join(box.home, 'shift-clock.mjs');
    await writeFile(
      shift,
      `const offset = Number(process.env.TEST_CLOCK_OFFSET_MS);
const Real = Date;
class Shifted extends Real { constructor(...args) { if (args.length === 0) super(Real.now() + offset); else super(...args); } static now() { return Real.now() + offset; } }
globalThis.Date = Shifted;
`,
    );
  });
  after(async () => box.cleanup());
  const shifted = (ms: number) => ({ NODE_OPTIONS: `--import ${shift}`, TEST_CLOCK_OFFSET_MS: String(ms) });

  test('a refused signed-JWT login and a refused ID token say the clock is off, by how much, and to fix it', async () => {
    const rsa = platform.serviceAccounts.rsa;
    const jwt = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', rsa.clientId, '--secret-file', rsa.keyFile], { env: shifted(-5 * 60_000) });
    assert.equal(jwt.code, 1, jwt.stderr);
    assert.match(jwt.stderr, /^amplify: .*invalid_client.*\n$/);
    assert.match(jwt.stderr, /clock .*(29\d|30\d) s behind/, jwt.stderr);
    assert.match(jwt.stderr, /set the clock/i);

    const alice = platform.people.find((p) => p.username === 'alice')!;
    const person = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', alice.username], { env: { ...shifted(2 * 3600_000), AMPLIFY_PASSWORD: alice.password } });
    assert.equal(person.code, 1, person.stderr);
    assert.match(person.stderr, /clock .*(71\d\d|72\d\d) s ahead/, person.stderr);

    // With the clock right, the same logins work (the refusals were the clock's).
    await loginKey(box, platform);
    await loginPerson(box, platform, 'alice');
  });
});
