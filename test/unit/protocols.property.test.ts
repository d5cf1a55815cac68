// Properties of the helper protocols: hostile input never throws, never smuggles lines, never reaches a bound host it does not name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDockerCredential, parseDockerStore, parseServerUrl } from '../../src/protocols/docker.js';
import { formatGitCredential, parseGitRequest } from '../../src/protocols/git.js';
import { isLoopbackHost } from '../../src/net/hosts.js';
import { DOCKER_HUB_REGISTRY, normalizeOrigin, normalizeRegistry, sameOrigin } from '../../src/protocols/hosts.js';
import { formatExecCredential, parseExecInfo } from '../../src/protocols/kubectl.js';

const RUNS = { numRuns: 3000 };
const CONTROL = /[\x00-\x1f\x7f]/;
const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);
/** Case-insensitive the way DNS is: ASCII letters only, which String#toLowerCase alone is not. */
const sameAsciiText = (text: string, expected: string): boolean => isAscii(text) && text.toLowerCase() === expected;

// Any UTF-16 code unit, lone surrogates included: a JS caller can hand over strings no stdin could carry.
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)), maxLength: 80 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), anyString, fc.string({ unit: 'binary-ascii', maxLength: 80 }));
const anyBytes = fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes));

// Characters that break parsers or imitate ASCII: line ends, NUL, C0/C1 controls, separators, homoglyphs, lone surrogates.
const NOISE = [
  '\r', '\n', '\0', '\r\n', '\t', ' ', '\x7f', '\x1b', '\u0085', '\u2028', '\u00a0', '\u200b', '\u00ad', '\ufeff',
  '=', '[]', '@', ':', '/', '?', '#', '%', '%0a', '%0d', '%00', '.', '-', '_', '[', ']',
  '\u212a', '\u0130', '\u0131', '\u017f', '\u0435', '\u0430', '\u043e', '\u0441', '\u0456', '\uff47', '\u0261', '\u212f', '\u0301',
  'é', '\u{1f600}', '\ud800', '\udc00',
];
const noise = fc.constantFrom(...NOISE);
const inject = (text: string, injections: ReadonlyArray<readonly [number, string]>): string =>
  injections.reduce((acc, [at, piece]) => {
    const index = at % (acc.length + 1);
    return acc.slice(0, index) + piece + acc.slice(index);
  }, text);
// Often none at all, so that clean inputs keep reaching the accepting path.
const injections = fc.oneof(fc.constant<Array<[number, string]>>([]), fc.array(fc.tuple(fc.nat(), noise), { minLength: 1, maxLength: 4 }));

describe('nothing throws', () => {
  it('on arbitrary strings and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, anyBytes), anyText, (input, other) => {
        parseGitRequest(input);
        parseServerUrl(input);
        parseDockerStore(input);
        if (typeof input === 'string') {
          parseExecInfo(input);
          normalizeOrigin(input, other);
          normalizeOrigin(other, input);
          normalizeRegistry(input);
          isLoopbackHost(input);
          sameOrigin(input, other);
        }
      }),
      RUNS,
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        parseDockerStore(text);
        const info = parseExecInfo(text);
        assert.ok('error' in info ? info.error.length > 0 : info.apiVersion.startsWith('client.authentication.k8s.io/'));
      }),
      RUNS,
    );
  });
});

describe('git requests', () => {
  const keys = fc.constantFrom('protocol', 'host', 'path', 'username', 'password', 'url', 'capability[]', 'wwwauth[]', 'password_expiry_utc', 'HOST', 'host[]', '');
  const values = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ...['https', 'HTTPS', 'http', 'ftp', 'authtype', 'Bearer realm="x"', ''],
        ...['git.example.com', 'GIT.example.com:443', '127.0.0.1:4000', 'localhost', '[::1]:8080', 'evil.net@git.example.com'],
        ...['https://git.example.com/r.git', 'http://127.0.0.1/x', 'https://u:p@h.example.com:8443/a%2fb'],
      ),
    },
    { weight: 1, arbitrary: anyText },
  );
  const nearValid = fc
    .record({
      protocol: fc.option(fc.constantFrom('https', 'http', 'HTTPS', 'ftp', ''), { nil: undefined }),
      host: fc.option(fc.constantFrom('git.example.com', 'Git.Example.com:443', '127.0.0.1:4000', 'localhost:8080', '[::1]', 'git.example.com:8443', ''), { nil: undefined }),
      extras: fc.array(fc.tuple(keys, values), { maxLength: 5 }),
      injections,
      blankLine: fc.boolean(),
    })
    .map(({ protocol, host, extras, injections: noiseAt, blankLine }) => {
      const entries = [...(protocol === undefined ? [] : [['protocol', protocol]]), ...(host === undefined ? [] : [['host', host]]), ...extras];
      return inject(entries.map(([key, value]) => `${key}=${value}\n`).join('') + (blankLine ? '\n' : ''), noiseAt);
    });

  it('accept only clean requests for hosts normalizeOrigin vouches for', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nearValid, fc.boolean(), (text, asBytes) => {
        const request = parseGitRequest(asBytes ? Buffer.from(text) : text);
        const end = text.split('\n').indexOf('');
        const readLines = text.split('\n').slice(0, end < 0 ? undefined : end);
        if (text.includes('\0') || readLines.some((line) => line.includes('\r') || !line.includes('='))) {
          assert.equal(request, null);
        }
        if (request === null) return;
        accepted++;
        assert.ok(!CONTROL.test(request.host) && isAscii(request.host), JSON.stringify(request.host));
        assert.equal(request.origin, normalizeOrigin(request.protocol, request.host));
        const scheme = `${request.protocol}://`;
        assert.ok(request.origin.startsWith(scheme));
        assert.equal(normalizeOrigin(request.protocol, request.origin.slice(scheme.length)), request.origin);
        assert.ok(request.protocol === 'https' || (request.protocol === 'http' && isLoopbackHost(request.origin.slice(scheme.length).replace(/:\d+$/, ''))));
        for (const value of [request.path, request.username, request.password, ...request.capabilities, ...request.wwwauth]) {
          if (value !== undefined) assert.ok(!/[\r\n\0]/.test(value), JSON.stringify(value));
        }
      }),
      RUNS,
    );
    assert.ok(accepted > RUNS.numRuns / 10, `only ${accepted} requests accepted: the generator no longer reaches the interesting path`);
  });

  it('never throw on near-valid bytes with broken UTF-8', () => {
    fc.assert(
      fc.property(nearValid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 3 }), (text, bytes) => {
        const buffer = [...Buffer.from(text)];
        for (const [at, byte] of bytes) buffer.splice(at % (buffer.length + 1), 0, byte);
        const request = parseGitRequest(Buffer.from(buffer));
        if (request !== null) assert.ok(!CONTROL.test(request.host));
      }),
      RUNS,
    );
  });
});

describe('look-alike hosts never reach a bound one', () => {
  const BOUND_HOST = 'git.example.com';
  const BOUND = `https://${BOUND_HOST}`;
  const mostlyEmpty = (pieces: readonly string[]) => fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.constantFrom(...pieces) });
  const homoglyph = fc.oneof(fc.constant(undefined), fc.tuple(fc.nat(), noise));
  const lookAlikeHost = (base: string, prefixes: readonly string[], suffixes: readonly string[]) =>
    fc
      .record({
        host: fc.mixedCase(fc.constant(base)),
        prefix: mostlyEmpty(prefixes),
        suffix: mostlyEmpty(suffixes),
        homoglyph,
        port: fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: fc.constantFrom('443', '0443', '8443', '80', '444', '4430', '', '65536', ' 443', '+443', '443 ', '443.') },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 70000 }).map(String) },
        ),
      })
      .map(({ host, prefix, suffix, homoglyph: glyph, port }) => ({
        host: glyph === undefined ? prefix + host + suffix : inject(prefix + host + suffix, [glyph]),
        port,
      }));
  const schemes = fc.oneof(
    { weight: 3, arbitrary: fc.mixedCase(fc.constant('https')) },
    { weight: 1, arbitrary: fc.constantFrom('http', 'HTTP', 'ftp', 'ssh', 'git', 'file', '', 'https ', ' https', 'http\u017f', 'htt\u0440s', 'https\r', 'https:') },
  );
  const gitHosts = lookAlikeHost(
    BOUND_HOST,
    ['evil', 'evil.', 'x-', 'git.', 'www.', 'user@', 'user:pw@', '.', '-', '*.', 'git.example.com.'],
    ['.', '..', '.evil.net', 'x', '.co', '-', '%2e', '/', '/path', '#', '?', ' ', '\t', '\r', '\0', ':', '@evil.net', '.git.example.com'],
  );
  const withPort = (host: string, port: string | undefined): string => (port === undefined ? host : `${host}:${port}`);
  const isBoundGitHost = (scheme: string, host: string, port: string | undefined): boolean =>
    sameAsciiText(scheme, 'https') && sameAsciiText(host, BOUND_HOST) && (port === undefined || port === '443');

  it('for git, through normalizeOrigin and the request lines', () => {
    let bound = 0;
    fc.assert(
      fc.property(schemes, gitHosts, (scheme, { host, port }) => {
        const expected = isBoundGitHost(scheme, host, port);
        if (expected) bound++;
        assert.equal(normalizeOrigin(scheme, withPort(host, port)) === BOUND, expected);
        // A LF would end the value early, making a shorter, different request: that is the next property's business.
        fc.pre(!`${scheme}${host}`.includes('\n'));
        const request = parseGitRequest(`protocol=${scheme}\nhost=${withPort(host, port)}\n\n`);
        assert.equal(request?.origin === BOUND, expected);
      }),
      { numRuns: 4000 },
    );
    assert.ok(bound > 100, `only ${bound} generated hosts were the bound one: the property barely tests acceptance`);
  });

  it('for git, through url=', () => {
    fc.assert(
      fc.property(schemes, gitHosts, fc.constantFrom('', '/', '/org/repo.git', '/a%20b/'), (scheme, { host, port }, path) => {
        // In a URL these characters end the authority or start userinfo; examples cover them.
        fc.pre(!/[@/?#\n]/.test(host) && !scheme.includes('\n') && !scheme.includes(':'));
        const request = parseGitRequest(`url=${scheme}://${withPort(host, port)}${path}\n\n`);
        assert.equal(request?.origin === BOUND, isBoundGitHost(scheme, host, port));
      }),
      { numRuns: 3000 },
    );
  });

  it('for git, whatever noise is injected into a bound request', () => {
    fc.assert(
      fc.property(injections, (noiseAt) => {
        const head = 'protocol=https\nhost=';
        const text = inject(`${BOUND_HOST}\n\n`, noiseAt);
        const request = parseGitRequest(head + text);
        const hostLine = text.split('\n')[0] ?? '';
        const value = hostLine.split(':')[0] ?? '';
        const port = hostLine.includes(':') ? hostLine.slice(hostLine.indexOf(':') + 1) : undefined;
        if (request?.origin === BOUND) assert.ok(sameAsciiText(value, BOUND_HOST) && (port === undefined || port === '443'), JSON.stringify(text));
      }),
      RUNS,
    );
  });

  const REGISTRY = 'registry.example.com';
  const HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  const registryInputs = fc
    .record({
      base: fc.constantFrom(REGISTRY, ...HUB_HOSTS),
      scheme: fc.option(schemes, { nil: undefined }),
      userinfo: mostlyEmpty(['user@', 'user:pw@', '@']),
      path: fc.constantFrom('', '/', '/v2/', '/v1/', '/v2/library/busybox'),
      prefixes: fc.constant(['evil', 'evil.', 'x-', 'www.', 'index.', '.', '-', 'docker.io.']),
    })
    .chain(({ base, scheme, userinfo, path, prefixes }) =>
      lookAlikeHost(base, prefixes, ['.', '.evil.net', 'x', '-', '%2e', ' ', '\t', '\r', '\0', ':', '.docker.io']).map(({ host, port }) => ({
        base,
        scheme,
        userinfo,
        path,
        host,
        port,
      })),
    );

  it('for docker, through normalizeRegistry and parseServerUrl', () => {
    let bound = 0;
    fc.assert(
      fc.property(registryInputs, ({ base, scheme, userinfo, path, host, port }) => {
        const input = `${scheme === undefined ? '' : `${scheme}://`}${userinfo}${withPort(host, port)}${path}`;
        const key = base === REGISTRY ? REGISTRY : DOCKER_HUB_REGISTRY;
        const names = base === REGISTRY ? [REGISTRY] : HUB_HOSTS;
        // Characters that end the authority early make it a different (shorter) host: the examples cover those.
        fc.pre(!/[/?#]/.test(host));
        const expected =
          (scheme === undefined || sameAsciiText(scheme, 'https')) &&
          userinfo === '' &&
          names.some((name) => sameAsciiText(host, name)) &&
          (port === undefined || port === '443');
        if (expected) bound++;
        assert.equal(normalizeRegistry(input) === key, expected, JSON.stringify(input));
        // What docker-credential-helpers reads: one line end (CRLF too) and surrounding blanks are not part of the URL.
        const asRead = input.replace(/\r$/, '').replace(/^[ \t]+|[ \t]+$/g, '');
        const serverUrl = parseServerUrl(`${input}\n`);
        assert.equal(serverUrl !== null && normalizeRegistry(serverUrl) === key, normalizeRegistry(asRead) === key, JSON.stringify(input));
      }),
      { numRuns: 4000 },
    );
    assert.ok(bound > 100, `only ${bound} generated registries were the bound one`);
  });
});

describe('normal forms', () => {
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
  const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
  const port = fc.option(fc.integer({ min: 1, max: 65535 }).map(String), { nil: undefined });

  it('origins are idempotent, lowercase and drop only the default port', () => {
    fc.assert(
      fc.property(fc.mixedCase(hostname), port, fc.constantFrom('https', 'HTTPS'), (host, p, scheme) => {
        const origin = normalizeOrigin(scheme, p === undefined ? host : `${host}:${p}`);
        assert.notEqual(origin, null);
        assert.equal(origin, origin?.toLowerCase());
        assert.equal(origin, `https://${host.toLowerCase()}${p === undefined || p === '443' ? '' : `:${p}`}`);
        assert.equal(normalizeOrigin('https', origin?.slice('https://'.length) ?? ''), origin);
        assert.ok(sameOrigin(origin ?? '', `${scheme}://${host}${p === undefined ? '' : `:${p}`}`));
      }),
      RUNS,
    );
  });

  it('registries are idempotent', () => {
    fc.assert(
      fc.property(fc.mixedCase(hostname), port, fc.constantFrom('', 'https://', 'HTTPS://'), fc.constantFrom('', '/', '/v2/'), (host, p, scheme, path) => {
        const key = normalizeRegistry(`${scheme}${host}${p === undefined ? '' : `:${p}`}${path}`);
        assert.notEqual(key, null);
        assert.equal(normalizeRegistry(key ?? ''), key);
      }),
      RUNS,
    );
  });
});

describe('answers', () => {
  const lineSafe = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((text) => !/[\r\n\0]/.test(text));
  const expiry = fc.option(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), { nil: null });

  it('git answers are exactly the lines they claim, or a refusal', () => {
    fc.assert(
      fc.property(fc.oneof(lineSafe, anyText), lineSafe, expiry, fc.boolean(), (token, username, expiresAt, authtype) => {
        if (token === '' || /[\r\n\0]/.test(token)) {
          assert.throws(() => formatGitCredential({ username, token, expiresAt, authtype }), RangeError);
          return;
        }
        const answer = formatGitCredential({ username, token, expiresAt, authtype });
        assert.ok(answer.endsWith('\n'));
        const fields = answer.slice(0, -1).split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
        const expected = authtype
          ? [['capability[]', 'authtype'], ['authtype', 'Bearer'], ['credential', token], ['ephemeral', '1']]
          : [['username', username], ['password', token], ...(expiresAt === null ? [] : [['password_expiry_utc', String(Math.floor(expiresAt.getTime() / 1000))]])];
        assert.deepEqual(fields, expected);
      }),
      RUNS,
    );
  });

  it('docker credentials survive a store and a get', () => {
    const registry = fc.constantFrom('registry.example.com', 'https://registry.example.com:5000/v2/', 'http://127.0.0.1:5000', 'https://index.docker.io/v1/');
    fc.assert(
      fc.property(registry, anyText, anyText, (ServerURL, Username, Secret) => {
        const credential = { ServerURL, Username, Secret };
        const answer = formatDockerCredential(credential);
        assert.ok(answer.endsWith('}\n') && !answer.slice(0, -1).includes('\n'));
        assert.deepEqual(parseDockerStore(answer), credential);
      }),
      RUNS,
    );
  });

  const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
  it('ExecCredentials carry the token and a whole-second UTC expiry', () => {
    fc.assert(
      fc.property(anyText.filter((token) => token !== ''), expiry, fc.constantFrom(...API_VERSIONS), (token, expiresAt, apiVersion) => {
        const output = formatExecCredential(apiVersion, token, expiresAt);
        assert.ok(output.endsWith('}\n') && !output.slice(0, -1).includes('\n'));
        const credential = JSON.parse(output) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp?: string } };
        assert.equal(credential.apiVersion, apiVersion);
        assert.equal(credential.kind, 'ExecCredential');
        assert.equal(credential.status.token, token);
        if (expiresAt === null) {
          assert.equal(credential.status.expirationTimestamp, undefined);
        } else {
          assert.match(credential.status.expirationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          assert.equal(Date.parse(credential.status.expirationTimestamp ?? ''), Math.floor(expiresAt.getTime() / 1000) * 1000);
        }
      }),
      RUNS,
    );
  });
});
