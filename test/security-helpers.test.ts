// The token goes only to the exact bound host: thousands of generated git and docker requests against the real
// helper logic (in-process) and a few hundred through the real executables, with a bound account holding a real token.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createContext, type Context } from '../src/context.js';
// The table first, then the tools' answers (src/tools/index.ts says why).
import '../src/tools/index.js';
import { dockerCredential } from '../src/tools/docker.js';
import { gitCredential } from '../src/tools/git.js';
import type { HelperAnswer } from '../src/credential/io.js';
import { sharedPlatform, type Platform } from './platform/index.js';
import { HELPERS, runProcess, sandbox, type RunResult, type Sandbox } from './support/cli.js';

const GIT_HOST = 'git.work.example';
const REGISTRY = 'registry.work.example';
const IN_PROCESS_RUNS = Number(process.env.AMPLIFY_SECURITY_RUNS ?? 4000);
const EXECUTABLE_RUNS = Number(process.env.AMPLIFY_SECURITY_EXEC_RUNS ?? 200);
const STACK_TRACE = /\n\s+at .+(:\d+:\d+|\(native\)|<anonymous>)/;

let platform: Platform;
let box: Sandbox;
let token: string;
let loopback: string;
/** Origins git may be answered for (what `setup git` bound): `scheme://host[:port]`, default ports left out. */
let gitBound: Set<string>;

before(async () => {
  platform = await sharedPlatform();
  box = await sandbox();
  const { secret } = platform.serviceAccounts;
  const login = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', secret.clientId], { env: { AMPLIFY_CLIENT_SECRET: secret.clientSecret } });
  assert.equal(login.code, 0, login.stderr);
  loopback = `127.0.0.1:${platform.port}`;
  for (const args of [
    ['setup', 'git', '--host', GIT_HOST],
    ['setup', 'git', '--host', loopback],
    ['setup', 'docker', '--registry', REGISTRY],
    ['setup', 'docker', '--registry', loopback],
  ]) {
    const out = await box.amplify(['auth', ...args]);
    assert.equal(out.code, 0, `${args.join(' ')}: ${out.stderr}`);
  }
  gitBound = new Set([`https://${GIT_HOST}`, `https://${loopback}`, `http://${loopback}`]);
  const t = await box.amplify(['auth', 'token']);
  assert.equal(t.code, 0, t.stderr);
  token = t.stdout.trim();
  assert.ok(token.length > 20);
});

after(async () => {
  await box?.cleanup();
  await platform?.close();
});

// ---------------------------------------------------------------------------------------------------------------
// In-process: the exported handlers with a context like the executables build, stderr captured.

interface Captured {
  ctx: Context;
  stderr: () => string;
  reset: () => void;
}

function inProcessContext(): Captured {
  let text = '';
  const stderr = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const env = { ...box.env };
  const ctx = createContext({ env, configDir: box.configDir, stderr });
  return { ctx, stderr: () => text, reset: () => (text = '') };
}

async function call(handler: typeof gitCredential, ctx: Context, action: string, input: Buffer): Promise<HelperAnswer> {
  try {
    return await handler(ctx, action, input);
  } catch (error) {
    throw new Error(`the handler threw on ${JSON.stringify(input.toString('latin1').slice(0, 200))}: ${(error as Error).stack}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Oracles, written apart from the code under test: an answer carrying the token is allowed only for input that
// names a bound host exactly. They allow more than the helpers do (the helpers also refuse odd paths, empty keys…),
// never less: a token the oracle does not allow is a token sent to the wrong place.

const utf8 = new TextDecoder('utf-8', { fatal: true });
const decode = (input: Buffer): string | null => {
  try {
    return utf8.decode(input);
  } catch {
    return null;
  }
};
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
const DEFAULT_PORT: Record<string, string> = { https: ':443', http: ':80' };

function originOf(protocol: string | undefined, host: string | undefined): string | null {
  if (protocol === undefined || host === undefined || !VISIBLE_ASCII.test(protocol) || !VISIBLE_ASCII.test(host)) return null;
  const scheme = protocol.toLowerCase();
  let authority = host.toLowerCase();
  if (DEFAULT_PORT[scheme] && authority.endsWith(DEFAULT_PORT[scheme]!)) authority = authority.slice(0, -DEFAULT_PORT[scheme]!.length);
  return `${scheme}://${authority}`;
}

/** git: the last protocol=/host= (a url= sets both), the way git itself reads a request. */
function gitMayAnswer(input: Buffer): boolean {
  const text = decode(input);
  if (text === null || /[\r\0]/.test(text)) return false;
  let protocol: string | undefined;
  let host: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'protocol') protocol = value;
    else if (key === 'host') host = value;
    else if (key === 'url') {
      const m = /^([^:/?#]+):\/\/([^/?#]*)/.exec(value);
      protocol = m?.[1];
      host = m ? m[2]!.slice(m[2]!.lastIndexOf('@') + 1) : undefined;
    }
  }
  const origin = originOf(protocol, host);
  return origin !== null && gitBound.has(origin);
}

/** docker: the server URL as `host[:port]`, or `https://host[:port]` (http only for loopback), with any path. */
function dockerMayAnswer(input: Buffer): boolean {
  const text = decode(input);
  if (text === null) return false;
  const url = text.replace(/\r?\n$/, '').trim();
  if (!/^[\x21-\x7e]+$/.test(url)) return false;
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)/i.exec(url);
  if (!m) return false;
  const scheme = m[1]?.toLowerCase() ?? 'https';
  const origin = originOf(scheme, m[2]);
  if (origin === null) return false;
  return origin === `https://${REGISTRY}` || origin === `https://${loopback}` || origin === `http://${loopback}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators: look-alikes of the bound hosts, other ports and schemes, userinfo, empty and malformed values,
// control characters and invalid UTF-8, oversize lines, mixed with exact names so the accepting path is reached.

const NOISE = [
  '\r', '\n', '\0', '\r\n', '\t', ' ', '\x7f', '\x1b', '\u0085', '\u2028', '\u00a0', '\u200b', '\ufeff',
  '=', '@', ':', '/', '?', '#', '%', '%0a', '%0d', '%00', '.', '-', '[', ']', '\\',
  '\u212a', '\u0130', '\u0131', '\u0435', '\u0430', '\u043e', '\uff47', 'é', '\u{1f600}', '\ud800',
];
const inject = (text: string, pieces: ReadonlyArray<readonly [number, string]>): string =>
  pieces.reduce((acc, [at, piece]) => {
    const index = at % (acc.length + 1);
    return acc.slice(0, index) + piece + acc.slice(index);
  }, text);
const withNoise = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(arb, fc.oneof({ weight: 3, arbitrary: fc.constant<Array<[number, string]>>([]) }, { weight: 2, arbitrary: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NOISE)), { minLength: 1, maxLength: 3 }) })).map(([text, pieces]) => inject(text, pieces));

const LONG = 'a'.repeat(9000);
function hostnames(): fc.Arbitrary<string> {
  const port = platform.port;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(GIT_HOST, REGISTRY, loopback, `localhost:${port}`, `[::1]:${port}`) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        // case, default and other ports, leading zeros, trailing dots
        'GIT.Work.Example', `${GIT_HOST}:443`, `${GIT_HOST}:8443`, `${GIT_HOST}:0443`, `${GIT_HOST}:443x`, `${GIT_HOST}:`, `${GIT_HOST}:65536`, `${GIT_HOST}.`,
        `${REGISTRY}:443`, `${REGISTRY}:5000`, `${REGISTRY}.`, 'REGISTRY.WORK.EXAMPLE',
        `127.0.0.1:${port + 1}`, `127.0.0.1:0${port}`, '127.0.0.1', `127.0.0.2:${port}`, `127.1:${port}`, `0x7f.0.0.1:${port}`, `2130706433:${port}`,
        // prefix and suffix look-alikes
        `evil-${GIT_HOST}`, `x${GIT_HOST}`, `${GIT_HOST}x`, `${GIT_HOST}.evil.net`, `${GIT_HOST}-evil.net`, 'work.example', 'example', `evil.${REGISTRY}`, `${REGISTRY}.evil.net`,
        `127.0.0.1.nip.io:${port}`, `localhost.evil.net:${port}`,
        // homoglyphs (KELVIN SIGN folds to k, Cyrillic a and e, fullwidth g, dotless i)
        'git.wor\u212a.example', 'git.work.ex\u0430mple', 'git.work.\u0435xample', '\uff47it.work.example', 'g\u0131t.work.example', 'xn--git-work.example',
        // userinfo, paths, queries, fragments, encodings smuggled into the host
        `user@${GIT_HOST}`, `${GIT_HOST}@evil.net`, `evil.net@${GIT_HOST}`, `${GIT_HOST}/evil`, `${GIT_HOST}?x=1`, `${GIT_HOST}#x`, `${GIT_HOST}%2eevil.net`, 'git%2ework.example',
        `${GIT_HOST}\\@evil.net`, `[${GIT_HOST}]`, '[::1]', '[::ffff:127.0.0.1]:' + port,
        // empty and whitespace
        '', ' ', `${GIT_HOST} `, ` ${GIT_HOST}`, `\t${REGISTRY}`,
        LONG, `${GIT_HOST}${'.a'.repeat(200)}`,
      ),
    },
    { weight: 2, arbitrary: fc.domain() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
}
const schemes = fc.constantFrom('https', 'HTTPS', 'Https', 'http', 'HTTP', 'ftp', 'ssh', 'file', 'git', '', 'https ', ' https', 'https:', 'javascript');
const paths = fc.constantFrom('', '/', '/repo.git', '/a/b', '?q=1', '#f', '/%0ahost=evil.net', '/%0d%0a', '/%00', '/%', '/\u00e9', `/${LONG}`);
const userinfos = fc.constantFrom('', 'user@', 'user:pass@', 'oauth2@', 'sa-secret@', `${GIT_HOST}@`, 'a@b@', '%0a@', ':@', 'x%0d:y@');

function urls(): fc.Arbitrary<string> {
  return fc.tuple(schemes, fc.constantFrom('://', ':/', ':', '', ':///'), userinfos, hostnames(), paths).map(([s, sep, u, h, p]) => `${s}${sep}${u}${h}${p}`);
}

function gitInputs(): fc.Arbitrary<Buffer> {
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant('protocol'), withNoise(schemes)) },
    { weight: 5, arbitrary: fc.tuple(fc.constant('host'), withNoise(hostnames())) },
    { weight: 3, arbitrary: fc.tuple(fc.constant('url'), withNoise(urls())) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('path', 'username', 'password', 'capability[]', 'wwwauth[]', 'credential', 'authtype', 'ephemeral', 'quit'), withNoise(fc.constantFrom('', 'repo.git', 'authtype', 'oauth2', 'sa-secret', 'Bearer realm="x"', 'x'.repeat(100), LONG))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', 'HOST', 'Host', 'host ', ' host', 'host[]', 'protocol\0', 'noequals'), fc.string({ maxLength: 20 })) },
  );
  const request = fc
    .tuple(
      fc.array(field, { minLength: 0, maxLength: 6 }),
      fc.constantFrom('\n', '\n', '\n', '\r\n', '\0'),
      fc.constantFrom('\n\n', '\n', '', '\n\nhost=evil.net\n'),
    )
    .map(([fields, eol, end]) => Buffer.from(`${fields.map(([k, v]) => (k === 'noequals' ? v : `${k}=${v}`)).join(eol)}${end}`, 'utf8'));
  // The exact bound requests, so that the oracle is exercised on both sides.
  const exact = fc
    .tuple(fc.constantFrom(`https\n${GIT_HOST}`, `HTTPS\nGIT.WORK.EXAMPLE:443`, `https\n${loopback}`, `http\n${loopback}`), fc.boolean())
    .map(([pair, authtype]) => {
      const [protocol, host] = pair.split('\n');
      return Buffer.from(`protocol=${protocol}\nhost=${host}\n${authtype ? 'capability[]=authtype\n' : ''}\n`);
    });
  const invalidUtf8 = fc.tuple(request, fc.nat(), fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80])).map(([buf, at, bad]) => {
    const i = at % (buf.length + 1);
    return Buffer.concat([buf.subarray(0, i), Buffer.from(bad), buf.subarray(i)]);
  });
  const oversize = fc.constantFrom(
    Buffer.from(`protocol=https\nhost=${GIT_HOST}\npath=${'a'.repeat(8 * 1024 + 1)}\n\n`),
    Buffer.from(`protocol=https\nhost=${GIT_HOST}\n${'wwwauth[]=x\n'.repeat(6000)}\n`),
    Buffer.from(`${'x'.repeat(70 * 1024)}\nprotocol=https\nhost=${GIT_HOST}\n\n`),
  );
  return fc.oneof(
    { weight: 12, arbitrary: request },
    { weight: 2, arbitrary: exact },
    { weight: 2, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: oversize },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')) },
  );
}

function dockerInputs(): fc.Arbitrary<Buffer> {
  const serverUrl = fc.oneof(
    { weight: 3, arbitrary: withNoise(hostnames()) },
    { weight: 4, arbitrary: withNoise(urls()) },
    { weight: 2, arbitrary: fc.constantFrom(REGISTRY, `https://${REGISTRY}`, `https://${REGISTRY}/v2/`, `${REGISTRY}:443`, loopback, `http://${loopback}`, `https://${loopback}/v1/`) },
  );
  const text = fc.tuple(serverUrl, fc.constantFrom('', '', '\n', '\r\n', '\n\n', '\0', ' ')).map(([url, end]) => Buffer.from(`${url}${end}`, 'utf8'));
  const json = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.tuple(serverUrl, fc.string()).map(([url, u]) => JSON.stringify({ ServerURL: url, Username: u, Secret: 'not-the-token' })),
    fc.constantFrom('{', '{"ServerURL":', 'null', '[]', '""', '{"ServerURL":"registry.work.example"'),
  ).map((s) => Buffer.from(s));
  const invalidUtf8 = fc.tuple(text, fc.nat(), fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xb0, 0x80])).map(([buf, at, bad]) => {
    const i = at % (buf.length + 1);
    return Buffer.concat([buf.subarray(0, i), Buffer.from(bad), buf.subarray(i)]);
  });
  return fc.oneof(
    { weight: 10, arbitrary: text },
    { weight: 2, arbitrary: json },
    { weight: 2, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from(`${REGISTRY}${'/x'.repeat(5000)}`), Buffer.from('a'.repeat(2 * 1024 * 1024))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  );
}

const show = (input: Buffer): string => JSON.stringify(input.toString('utf8').slice(0, 300));

function checkGit(input: Buffer, answer: { stdout: string; stderr: string; exitCode: number | null }): boolean {
  const leaked = answer.stdout.includes(token);
  if (leaked && !gitMayAnswer(input)) assert.fail(`the token was given for ${show(input)}:\n${answer.stdout}`);
  assert.ok(!answer.stderr.includes(token), `the token reached stderr for ${show(input)}`);
  assert.doesNotMatch(answer.stderr, STACK_TRACE, `a stack trace for ${show(input)}`);
  if (!leaked) {
    // Nothing, or quit=1 (never for this bound account, which is logged in) — never half an answer.
    assert.equal(answer.stdout, '', `an answer without the token for ${show(input)}: ${answer.stdout}`);
    assert.equal(answer.exitCode, 0, `exit ${answer.exitCode} for ${show(input)}: ${answer.stderr}`);
  }
  return leaked;
}

function checkDocker(input: Buffer, answer: { stdout: string; stderr: string; exitCode: number | null }): boolean {
  const leaked = answer.stdout.includes(token);
  if (leaked && !dockerMayAnswer(input)) assert.fail(`the token was given for ${show(input)}:\n${answer.stdout}`);
  assert.ok(!answer.stderr.includes(token), `the token reached stderr for ${show(input)}`);
  assert.doesNotMatch(answer.stdout + answer.stderr, STACK_TRACE, `a stack trace for ${show(input)}`);
  if (!leaked) {
    assert.equal(answer.stdout, 'credentials not found in native keychain\n', `for ${show(input)}`);
    assert.equal(answer.exitCode, 1);
  } else {
    const body = JSON.parse(answer.stdout) as { Secret: string; ServerURL: string };
    assert.equal(body.Secret, token);
  }
  return leaked;
}

describe('the exact bound host gets the token (positive controls)', () => {
  test('git: the bound origins, in the spellings git uses', async () => {
    const { ctx } = inProcessContext();
    for (const request of [`protocol=https\nhost=${GIT_HOST}\n\n`, `protocol=HTTPS\nhost=GIT.work.example:443\n\n`, `url=https://${GIT_HOST}/repo.git\n\n`, `protocol=http\nhost=${loopback}\n\n`]) {
      const answer = await call(gitCredential, ctx, 'get', Buffer.from(request));
      assert.match(answer.stdout, new RegExp(`^username=oauth2\npassword=${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\npassword_expiry_utc=\\d+\n$`), request);
    }
    const bearer = await call(gitCredential, ctx, 'get', Buffer.from(`capability[]=authtype\nprotocol=https\nhost=${GIT_HOST}\n\n`));
    assert.equal(bearer.stdout, `capability[]=authtype\nauthtype=Bearer\ncredential=${token}\nephemeral=1\n`);
  });

  test('docker: the bound registries, in the spellings docker uses', async () => {
    const { ctx } = inProcessContext();
    for (const serverUrl of [REGISTRY, `https://${REGISTRY}`, `https://${REGISTRY}/v2/`, loopback, `http://${loopback}`]) {
      const answer = await call(dockerCredential, ctx, 'get', Buffer.from(serverUrl));
      assert.equal(answer.exitCode, 0, serverUrl);
      assert.deepEqual(JSON.parse(answer.stdout), { ServerURL: serverUrl, Username: 'oauth2', Secret: token });
    }
  });
});

describe('generated requests, in-process (the real helper logic and token store)', () => {
  test(`git get: ${IN_PROCESS_RUNS} requests for unbound, empty, look-alike and malformed hosts`, async (t) => {
    const { ctx, stderr, reset } = inProcessContext();
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(gitInputs(), async (input) => {
        reset();
        runs += 1;
        const answer = await call(gitCredential, ctx, 'get', input);
        if (checkGit(input, { stdout: answer.stdout, stderr: `${answer.stderr ?? ''}${stderr()}`, exitCode: answer.exitCode })) answered += 1;
      }),
      { numRuns: IN_PROCESS_RUNS },
    );
    t.diagnostic(`${runs} generated git requests; ${answered} named a bound origin exactly and got the token`);
    assert.ok(answered > runs / 50, `the generators reach the bound hosts (${answered}/${runs})`);
    assert.ok(runs - answered > runs / 2, 'most requests name something else');
  });

  test(`git erase: ${Math.round(IN_PROCESS_RUNS / 4)} requests never log anyone out or print anything`, async () => {
    const { ctx, stderr, reset } = inProcessContext();
    await fc.assert(
      fc.asyncProperty(gitInputs(), async (input) => {
        reset();
        const answer = await call(gitCredential, ctx, 'erase', input);
        assert.equal(answer.stdout, '', show(input));
        assert.doesNotMatch(`${answer.stderr ?? ''}${stderr()}`, STACK_TRACE);
      }),
      { numRuns: Math.round(IN_PROCESS_RUNS / 4) },
    );
    const still = await box.amplify(['auth', 'ls', '--json']);
    assert.equal((JSON.parse(still.stdout) as unknown[]).length, 1, 'the account is still there');
  });

  test(`docker get: ${IN_PROCESS_RUNS} server URLs for unbound, empty, look-alike and malformed registries`, async (t) => {
    const { ctx, stderr, reset } = inProcessContext();
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(dockerInputs(), async (input) => {
        reset();
        runs += 1;
        const answer = await call(dockerCredential, ctx, 'get', input);
        if (checkDocker(input, { stdout: answer.stdout, stderr: `${answer.stderr ?? ''}${stderr()}`, exitCode: answer.exitCode })) answered += 1;
      }),
      { numRuns: IN_PROCESS_RUNS },
    );
    t.diagnostic(`${runs} generated docker server URLs; ${answered} named a bound registry exactly and got the token`);
    assert.ok(answered > runs / 50, `the generators reach the bound registries (${answered}/${runs})`);
  });

  test('docker store, erase and list on generated input: no crash, no trace, no token, bound registries keep the account token', async () => {
    const scratch = await sandbox();
    try {
      const { secret } = platform.serviceAccounts;
      const login = await scratch.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', secret.clientId], { env: { AMPLIFY_CLIENT_SECRET: secret.clientSecret } });
      assert.equal(login.code, 0, login.stderr);
      assert.equal((await scratch.amplify(['auth', 'setup', 'docker', '--registry', REGISTRY])).code, 0);
      let text = '';
      const stderr = new Writable({ write: (c, _e, done) => ((text += String(c)), done()) });
      const ctx = createContext({ env: { ...scratch.env }, configDir: scratch.configDir, stderr });
      const mine = (await scratch.amplify(['auth', 'token'])).stdout.trim();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('store', 'erase', 'list'), dockerInputs(), async (action, input) => {
          const answer = await call(dockerCredential, ctx, action, input);
          const out = `${answer.stdout}${answer.stderr ?? ''}${text}`;
          assert.ok(!out.includes(mine), `${action} printed the token for ${show(input)}`);
          assert.doesNotMatch(out, STACK_TRACE);
          assert.ok([0, 1].includes(answer.exitCode), `${action} exit ${answer.exitCode}`);
        }),
        { numRuns: 400 },
      );
      // `store` for the bound registry was refused its secret; get still answers with the account's token.
      const get = await call(dockerCredential, ctx, 'get', Buffer.from(REGISTRY));
      assert.equal(get.exitCode, 0);
      const body = JSON.parse(get.stdout) as { Secret: string };
      assert.notEqual(body.Secret, 'not-the-token');
      assert.ok((await platform.introspect(body.Secret)).active, 'the bound registry gets a live account token');
    } finally {
      await scratch.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real executables: helpers/git-credential-amplify and helpers/docker-credential-amplify, as git and docker run them.

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const helper = (name: string, action: string, input: Buffer): Promise<RunResult> =>
  runProcess(`${HELPERS}/${name}`, [action], { env: box.env, input, timeoutMs: 30_000 });

describe('generated requests through the real executables', () => {
  test(`git-credential-amplify get: ${EXECUTABLE_RUNS} generated requests`, async (t) => {
    const inputs = [
      ...fc.sample(gitInputs(), { numRuns: EXECUTABLE_RUNS, seed: 5260 }),
      Buffer.from(`protocol=https\nhost=${GIT_HOST}\n\n`),
    ];
    let answered = 0;
    await pool(inputs, 4, async (input) => {
      const out = await helper('git-credential-amplify', 'get', input);
      if (checkGit(input, { stdout: out.stdout, stderr: out.stderr, exitCode: out.code })) answered += 1;
    });
    t.diagnostic(`${inputs.length} requests through the executable; ${answered} named a bound origin and got the token`);
    assert.ok(answered >= 1);
  });

  test(`docker-credential-amplify get: ${EXECUTABLE_RUNS} generated server URLs`, async (t) => {
    const inputs = [...fc.sample(dockerInputs(), { numRuns: EXECUTABLE_RUNS, seed: 53858 }), Buffer.from(`https://${REGISTRY}`)];
    let answered = 0;
    await pool(inputs, 4, async (input) => {
      const out = await helper('docker-credential-amplify', 'get', input);
      if (checkDocker(input, { stdout: out.stdout, stderr: out.stderr, exitCode: out.code })) answered += 1;
    });
    t.diagnostic(`${inputs.length} server URLs through the executable; ${answered} named a bound registry and got the token`);
    assert.ok(answered >= 1);
  });

  test('hostile input of every kind: nothing answered, no crash, no trace', async () => {
    const cases: Array<[string, string, Buffer]> = [
      ['git', 'CR inside the host (CVE-2020-5260 style)', Buffer.from(`protocol=https\nhost=evil.net\r\nhost=${GIT_HOST}\n\n`)],
      ['git', 'encoded newline in url= (CVE-2020-5260)', Buffer.from(`url=https://evil.net?%0ahost=${GIT_HOST}\n\n`)],
      ['git', 'encoded CR in url= (CVE-2024-52006)', Buffer.from(`url=https://${GIT_HOST}%0d/x\n\n`)],
      ['git', 'CR alone in a value (CVE-2024-52006)', Buffer.from(`protocol=https\nhost=${GIT_HOST}\rprotocol=https\n\n`)],
      ['git', 'missing host (CVE-2020-11008)', Buffer.from('url=https:///repo.git\n\n')],
      ['git', 'empty host', Buffer.from('protocol=https\nhost=\n\n')],
      ['git', 'missing protocol', Buffer.from(`host=${GIT_HOST}\n\n`)],
      ['git', 'NUL', Buffer.from(`protocol=https\nhost=${GIT_HOST}\0.evil.net\n\n`)],
      ['git', 'invalid UTF-8', Buffer.concat([Buffer.from(`protocol=https\nhost=${GIT_HOST}\npath=`), Buffer.from([0xff, 0xfe]), Buffer.from('\n\n')])],
      ['git', 'an 8 KiB + 1 line', Buffer.from(`protocol=https\nhost=${GIT_HOST}\npath=${'p'.repeat(8193)}\n\n`)],
      ['git', '2 MiB of input', Buffer.from(`protocol=https\nhost=${GIT_HOST}\npath=${'p/'.repeat(1024 * 1024)}\n\n`)],
      ['git', 'http to a non-loopback host', Buffer.from(`protocol=http\nhost=${GIT_HOST}\n\n`)],
      ['git', 'userinfo in the host', Buffer.from(`protocol=https\nhost=user@${GIT_HOST}\n\n`)],
      ['git', 'another port', Buffer.from(`protocol=https\nhost=${GIT_HOST}:8443\n\n`)],
      ['git', 'a malformed url=', Buffer.from('url=https://[::1\n\n')],
      ['docker', 'CRLF inside the URL', Buffer.from(`evil.net\r\n${REGISTRY}`)],
      ['docker', 'NUL', Buffer.from(`${REGISTRY}\0`)],
      ['docker', 'invalid UTF-8', Buffer.concat([Buffer.from(REGISTRY), Buffer.from([0xc0, 0xaf])])],
      ['docker', '2 MiB of input', Buffer.from(`https://${REGISTRY}/${'x'.repeat(2 * 1024 * 1024)}`)],
      ['docker', 'malformed URL', Buffer.from('https://[registry.work.example')],
      ['docker', 'userinfo', Buffer.from(`https://user:pw@${REGISTRY}`)],
      ['docker', 'http to a non-loopback registry', Buffer.from(`http://${REGISTRY}`)],
      ['docker', 'look-alike', Buffer.from(`${REGISTRY}.evil.net`)],
      ['docker', 'empty', Buffer.from('')],
    ];
    for (const [tool, what, input] of cases) {
      const out = await helper(`${tool}-credential-amplify`, 'get', input);
      const result = { stdout: out.stdout, stderr: out.stderr, exitCode: out.code };
      assert.equal(tool === 'git' ? checkGit(input, result) : checkDocker(input, result), false, `${tool}: ${what} got the token`);
    }
    for (const input of ['{', '{"ServerURL":"x"}', 'null', '[1]', '{"ServerURL":"registry.work.example","Username":"u","Secret":1}', 'a'.repeat(100_000)]) {
      const out = await helper('docker-credential-amplify', 'store', Buffer.from(input));
      assert.equal(out.code, 1, input.slice(0, 50));
      assert.match(out.stdout, /^amplify: docker sent credentials amplify cannot read\n$/);
      assert.doesNotMatch(out.stdout + out.stderr, STACK_TRACE);
    }
  });

  test('kubectl: malformed KUBERNETES_EXEC_INFO is one line on stderr, no token, no trace', async () => {
    for (const info of ['{', 'null', '[]', '{"apiVersion":"v0"}', '{"kind":"Pod","apiVersion":"client.authentication.k8s.io/v1"}', `{"apiVersion":"${'x'.repeat(100_000)}"}`, 'x\u2028\ud800']) {
      const out = await box.amplify(['credential', 'kubectl'], { env: { KUBERNETES_EXEC_INFO: info } });
      assert.equal(out.code, 1, info.slice(0, 40));
      assert.equal(out.stdout, '');
      assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
      assert.ok(out.stderr.length < 400, 'the message quotes at most a little of what it could not read');
      assert.ok(!out.stderr.includes(token));
    }
  });

  test('real git: look-alike hosts, other ports and schemes, userinfo never get the token from an unscoped helper', async () => {
    // An unscoped credential.helper, so that git asks the helper about every host and the helper alone decides.
    const gitconfig = `${box.home}/unscoped.gitconfig`;
    await box.run('git', ['config', '--file', gitconfig, 'credential.helper', `${HELPERS}/git-credential-amplify`]);
    const fill = (url: string) => box.run('git', ['credential', 'fill'], { env: { GIT_CONFIG_GLOBAL: gitconfig }, input: `url=${url}\n\n` });
    const exact = await fill(`https://${GIT_HOST}/repo.git`);
    assert.equal(exact.code, 0, exact.stderr);
    assert.match(exact.stdout, new RegExp(`^password=${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const url of [
      `https://${GIT_HOST}.evil.net/repo.git`,
      `https://evil-${GIT_HOST}/repo.git`,
      `https://x${GIT_HOST}/`,
      `https://${GIT_HOST}:8443/repo.git`,
      `http://${GIT_HOST}/repo.git`,
      `https://evil.net@${GIT_HOST}.evil.net/`,
      `https://${GIT_HOST}@evil.net/`,
      `http://127.0.0.1:${platform.port + 1}/`,
      `http://localhost:${platform.port}/`,
      `ssh://${GIT_HOST}/repo.git`,
    ]) {
      const out = await fill(url);
      assert.ok(!out.stdout.includes(token) && !out.stderr.includes(token), `git got the token for ${url}`);
      assert.doesNotMatch(out.stderr, STACK_TRACE);
    }
  });
});
