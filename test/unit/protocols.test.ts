// Examples of the helper protocols: what git, docker and kubectl send, and what they get back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DOCKER_NOT_FOUND,
  formatDockerCredential,
  formatDockerList,
  parseDockerStore,
  parseServerUrl,
} from '../../src/protocols/docker.js';
import { formatGitCredential, formatGitQuit, GIT_CAPABILITIES, parseGitRequest } from '../../src/protocols/git.js';
import {
  decodeHelperInput,
  DOCKER_HUB_REGISTRY,
  normalizeOrigin,
  normalizeRegistry,
  sameOrigin,
} from '../../src/protocols/hosts.js';
import { formatExecCredential, parseExecInfo } from '../../src/protocols/kubectl.js';
import { isLoopbackHost } from '../../src/net/hosts.js';

const lines = (...entries: string[]): string => `${entries.join('\n')}\n\n`;

describe('hosts', () => {
  it('knows loopback hosts', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]', '::1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    const notLoopback = ['localhost.evil.net', 'evil-localhost', 'foo.localhost', '128.0.0.1', '127.0.0.256', '127.0.0.01', '127.1'];
    for (const host of [...notLoopback, '0x7f.0.0.1', '2130706433', '[::2]', '::ffff:127.0.0.1', '']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('normalizes origins: case and default ports do not matter', () => {
    assert.equal(normalizeOrigin('https', 'git.example.com'), 'https://git.example.com');
    assert.equal(normalizeOrigin('HTTPS', 'Git.Example.COM'), 'https://git.example.com');
    assert.equal(normalizeOrigin('https', 'git.example.com:443'), 'https://git.example.com');
    assert.equal(normalizeOrigin('https', 'git.example.com:8443'), 'https://git.example.com:8443');
    assert.equal(normalizeOrigin('http', '127.0.0.1:4000'), 'http://127.0.0.1:4000');
    assert.equal(normalizeOrigin('http', 'localhost:80'), 'http://localhost');
    assert.equal(normalizeOrigin('http', '[::1]:8080'), 'http://[::1]:8080');
    assert.equal(normalizeOrigin('https', '[2001:DB8::1]'), 'https://[2001:db8::1]');
    assert.equal(normalizeOrigin('https', '[::ffff:192.0.2.1]:9'), 'https://[::ffff:192.0.2.1]:9');
    assert.equal(normalizeOrigin('https', 'xn--bcher-kva.example'), 'https://xn--bcher-kva.example');
  });

  it('refuses what is no host we would answer for', () => {
    const refused: Array<[string, string]> = [
      ['http', 'git.example.com'],
      ['ftp', 'git.example.com'],
      ['ssh', 'git.example.com'],
      ['', 'git.example.com'],
      ['https', ''],
      ['https', ':443'],
      ['https', 'git.example.com:'],
      ['https', 'git.example.com:0'],
      ['https', 'git.example.com:65536'],
      ['https', 'git.example.com:0443'],
      ['https', 'git.example.com:44a'],
      ['https', 'git.example.com:443:443'],
      ['https', 'user@git.example.com'],
      ['https', 'git.example.com/path'],
      ['https', 'git.example.com.'],
      ['https', '.git.example.com'],
      ['https', 'git..example.com'],
      ['https', '-git.example.com'],
      ['https', 'git_repo.example.com'],
      ['https', 'git.example.com '],
      ['https', ' git.example.com'],
      ['https', 'git.example.com\t'],
      ['https', 'git.example.com\r'],
      ['https', 'git.example.com\0'],
      ['https', 'git.exämple.com'],
      ['https', 'git.example.\u212Aom'],
      ['https', 'gıt.example.com'],
      ['https', '\uff47it.example.com'],
      ['https', `${'a'.repeat(64)}.example.com`],
      ['https', '::1'],
      ['https', '[::1'],
      ['https', '[::1]x'],
      ['https', '[1::2::3]'],
      ['https', '[fe80::1%25eth0]'],
      ['https', '[g::1]'],
      ['https', '[1:2:3:4:5:6:7:8:9]'],
      ['http', '[::2]:80'],
      ['http', 'localhost.evil.net'],
      ['http', '127.0.0.1.nip.io'],
    ];
    for (const [protocol, host] of refused) {
      assert.equal(normalizeOrigin(protocol, host), null, `${protocol}://${JSON.stringify(host)}`);
    }
  });

  it('never confuses a bound host with one that merely starts or ends like it', () => {
    const bound = normalizeOrigin('https', 'example.com');
    for (const host of ['example.com.evil.net', 'evilexample.com', 'evil.example.com', 'example.co', 'example.com:444']) {
      const origin = normalizeOrigin('https', host);
      assert.notEqual(origin, null, host);
      assert.notEqual(origin, bound, host);
    }
  });

  it('compares origins', () => {
    assert.equal(sameOrigin('https://Git.Example.com:443', 'https://git.example.com'), true);
    assert.equal(sameOrigin('https://git.example.com', 'http://git.example.com'), false);
    assert.equal(sameOrigin('https://git.example.com', 'https://git.example.com.evil.net'), false);
    assert.equal(sameOrigin('https://git.example.com/', 'https://git.example.com/'), false);
    assert.equal(sameOrigin('nonsense', 'nonsense'), false);
  });

  it('normalizes docker registries', () => {
    const cases: Array<[string, string | null]> = [
      ['registry.example.com', 'registry.example.com'],
      ['Registry.Example.com:443', 'registry.example.com'],
      ['registry.example.com:5000', 'registry.example.com:5000'],
      ['https://registry.example.com', 'registry.example.com'],
      ['https://registry.example.com:443/v2/', 'registry.example.com'],
      ['https://registry.example.com:5000/v2/library/x', 'registry.example.com:5000'],
      ['registry.example.com/some/repo', 'registry.example.com'],
      ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
      ['127.0.0.1:5000', '127.0.0.1:5000'],
      ['http://localhost', 'localhost'],
      ['[::1]:5000', '[::1]:5000'],
      ['docker.io', DOCKER_HUB_REGISTRY],
      ['index.docker.io', DOCKER_HUB_REGISTRY],
      ['registry-1.docker.io', DOCKER_HUB_REGISTRY],
      ['https://index.docker.io/v1/', DOCKER_HUB_REGISTRY],
      ['https://registry-1.docker.io:443/v2/', DOCKER_HUB_REGISTRY],
      ['docker.io:5000', 'docker.io:5000'],
      ['docker.io.evil.net', 'docker.io.evil.net'],
      ['http://registry.example.com', null],
      ['ftp://registry.example.com', null],
      ['https://user:pw@registry.example.com', null],
      ['https://registry.example.com@evil.net', null],
      ['https://evil.net?@registry.example.com', 'evil.net'],
      ['registry.example.com ', null],
      ['registry .example.com', null],
      ['registry.example.com\n', null],
      ['registry.example.com:', null],
      ['registry.example.com:99999', null],
      ['registry.example.com.', null],
      ['https://', null],
      ['', null],
      ['/v2/', null],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeRegistry(input), expected, JSON.stringify(input));
  });

  it('decodes helper input strictly', () => {
    assert.equal(decodeHelperInput(Buffer.from('héllo'), 100), 'héllo');
    assert.equal(decodeHelperInput(Buffer.from([0x68, 0xff]), 100), null);
    assert.equal(decodeHelperInput(Buffer.from([0xed, 0xa0, 0x80]), 100), null);
    assert.equal(decodeHelperInput('\ud800x', 100), null);
    assert.equal(decodeHelperInput('é'.repeat(50), 100), 'é'.repeat(50));
    assert.equal(decodeHelperInput('é'.repeat(51), 100), null);
    assert.equal(decodeHelperInput(Buffer.alloc(101, 0x61), 100), null);
    assert.equal(decodeHelperInput(Buffer.from('\ufeffx'), 100), '\ufeffx');
  });
});

describe('git', () => {
  it('reads a request', () => {
    const request = parseGitRequest(
      lines(
        ...['protocol=https', 'host=Git.Example.com:443', 'path=org/repo.git', 'username=oauth2'],
        ...['capability[]=authtype', 'capability[]=state', 'wwwauth[]=Bearer realm="x"', 'wwwauth[]=Basic'],
      ),
    );
    assert.deepEqual(request, {
      protocol: 'https',
      host: 'Git.Example.com:443',
      origin: 'https://git.example.com',
      path: 'org/repo.git',
      username: 'oauth2',
      capabilities: ['authtype', 'state'],
      wwwauth: ['Bearer realm="x"', 'Basic'],
    });
  });

  it('reads from a Buffer, stops at the blank line, ignores unknown keys and takes the last value of a key', () => {
    const request = parseGitRequest(Buffer.from('protocol=https\nhost=evil.net\nhost=git.example.com\nfuture_key=1\n\nhost=later.example.com\n'));
    assert.equal(request?.origin, 'https://git.example.com');
    assert.deepEqual(request?.capabilities, []);
  });

  it('reads to EOF without a blank line', () => {
    assert.equal(parseGitRequest('protocol=https\nhost=git.example.com')?.origin, 'https://git.example.com');
  });

  it('clears an array on an empty value', () => {
    const request = parseGitRequest(lines('protocol=https', 'host=git.example.com', 'capability[]=authtype', 'capability[]=', 'capability[]=state'));
    assert.deepEqual(request?.capabilities, ['state']);
  });

  it('reads url=', () => {
    assert.deepEqual(parseGitRequest(lines('url=https://alice%40corp:pw@Git.Example.com:8443/org/repo.git/')), {
      protocol: 'https',
      host: 'Git.Example.com:8443',
      origin: 'https://git.example.com:8443',
      path: 'org/repo.git',
      username: 'alice@corp',
      password: 'pw',
      capabilities: [],
      wwwauth: [],
    });
    assert.equal(parseGitRequest(lines('url=http://127.0.0.1:4000'))?.origin, 'http://127.0.0.1:4000');
    assert.equal(parseGitRequest(lines('protocol=ftp', 'host=x', 'url=https://git.example.com'))?.origin, 'https://git.example.com');
    assert.equal(parseGitRequest(lines('url=https://git.example.com', 'host=other.example.com'))?.origin, 'https://other.example.com');
  });

  it('answers nothing to what git must not be answered', () => {
    const refused: Array<[string, string | Buffer]> = [
      ['CR in a value', lines('protocol=https', 'host=git.example.com', 'path=a\rhost=evil.net')],
      ['CRLF line ends', 'protocol=https\r\nhost=git.example.com\r\n\r\n'],
      ['CR in the host', lines('protocol=https', 'host=git.example.com\r')],
      ['NUL in a value', lines('protocol=https', 'host=git.example.com\0evil.net')],
      ['NUL after the blank line', `${lines('protocol=https', 'host=git.example.com')}x\0`],
      ['empty host', lines('protocol=https', 'host=')],
      ['missing host', lines('protocol=https', 'path=x')],
      ['missing protocol', lines('host=git.example.com')],
      ['empty protocol', lines('protocol=', 'host=git.example.com')],
      ['ftp', lines('protocol=ftp', 'host=git.example.com')],
      ['http to a non-loopback host', lines('protocol=http', 'host=git.example.com')],
      ['http to a loopback look-alike', lines('protocol=http', 'host=127.0.0.1.evil.net')],
      ['a line without =', lines('protocol=https', 'host=git.example.com', 'garbage')],
      ['userinfo in the host', lines('protocol=https', 'host=evil.net@git.example.com')],
      ['a path in the host', lines('protocol=https', 'host=git.example.com/x')],
      ['invalid UTF-8', Buffer.concat([Buffer.from('protocol=https\nhost=git.example.com\npath='), Buffer.from([0xc3, 0x28]), Buffer.from('\n\n')])],
      ['input over 64 KiB', `protocol=https\nhost=git.example.com\n${'x=y\n'.repeat(16 * 1024)}`],
      ['a line over 8 KiB', lines('protocol=https', 'host=git.example.com', `path=${'a'.repeat(8 * 1024)}`)],
      ['url= with an encoded newline (CVE-2020-5260)', lines('url=https://git.example.com/a%0ahost=evil.net')],
      ['url= with an encoded CR', lines('url=https://evil%0d@git.example.com/')],
      ['url= with an encoded NUL', lines('url=https://git.example.com/%00')],
      ['url= with malformed escapes', lines('url=https://git.example.com/%e0%a4')],
      ['url= without a scheme', lines('url=git.example.com')],
      ['url= with a percent-encoded host', lines('url=https://git%2eexample.com/')],
      ['empty input', ''],
      ['only a blank line', '\n'],
    ];
    for (const [why, input] of refused) assert.equal(parseGitRequest(input), null, why);
  });

  it('accepts a line of exactly 8 KiB and input of exactly 64 KiB', () => {
    const head = 'protocol=https\nhost=git.example.com\n';
    assert.notEqual(parseGitRequest(`${head}path=${'a'.repeat(8 * 1024 - 5)}\n`), null);
    const chunk = `x=${'v'.repeat(1021)}\n`;
    const filler = chunk.repeat(Math.floor((64 * 1024 - head.length) / chunk.length));
    const exact = `${head}${filler}${'y'.repeat(64 * 1024 - head.length - filler.length - 2)}=\n`;
    assert.equal(Buffer.byteLength(exact), 64 * 1024);
    assert.notEqual(parseGitRequest(exact), null);
    assert.equal(parseGitRequest(`${exact}z`), null);
  });

  it('gives look-alike hosts an origin other than the bound one', () => {
    const bound = 'https://git.example.com';
    const origin = (host: string, protocol = 'https'): string | undefined => parseGitRequest(lines(`protocol=${protocol}`, `host=${host}`))?.origin;
    assert.equal(origin('git.example.com'), bound);
    assert.equal(origin('GIT.EXAMPLE.COM:443'), bound);
    assert.equal(origin('git.example.com', 'HTTPS'), bound);
    for (const host of ['git.example.com.evil.net', 'evilgit.example.com', 'git.example.co', 'git.example.com:8443', 'xgit.example.com']) {
      const other = origin(host);
      assert.notEqual(other, undefined, host);
      assert.notEqual(other, bound, host);
    }
    for (const host of ['git.example.com.', 'git.example.com:0443', 'user@git.example.com', 'git.ex\u0430mple.com']) {
      assert.equal(origin(host), undefined, host);
    }
  });

  it('answers with a bearer credential when git offers authtype', () => {
    const request = parseGitRequest(lines('capability[]=authtype', 'protocol=https', 'host=git.example.com'));
    assert.ok(request?.capabilities.includes('authtype'));
    assert.equal(
      formatGitCredential({ username: 'oauth2', token: 'tok', expiresAt: new Date('2030-01-01T00:00:00Z'), authtype: true }),
      'capability[]=authtype\nauthtype=Bearer\ncredential=tok\nephemeral=1\n',
    );
  });

  it('answers with a password and its expiry otherwise', () => {
    assert.equal(
      formatGitCredential({ username: 'oauth2', token: 'tok', expiresAt: new Date('2030-01-01T00:00:00.900Z'), authtype: false }),
      'username=oauth2\npassword=tok\npassword_expiry_utc=1893456000\n',
    );
    assert.equal(formatGitCredential({ username: 'oauth2', token: 'tok', expiresAt: null, authtype: false }), 'username=oauth2\npassword=tok\n');
  });

  it('refuses to write an answer that could inject lines', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) {
      assert.throws(() => formatGitCredential({ username: 'oauth2', token: bad, expiresAt: null, authtype: false }), RangeError);
      assert.throws(() => formatGitCredential({ username: 'oauth2', token: bad, expiresAt: null, authtype: true }), RangeError);
      assert.throws(() => formatGitCredential({ username: bad, token: 'tok', expiresAt: null, authtype: false }), RangeError);
    }
    assert.throws(() => formatGitCredential({ username: 'oauth2', token: '', expiresAt: null, authtype: false }), RangeError);
    assert.throws(() => formatGitCredential({ username: 'oauth2', token: 'tok', expiresAt: new Date(Number.NaN), authtype: false }), RangeError);
    assert.throws(
      () => formatGitCredential({ username: 'oauth2', token: 'secret\n', expiresAt: null, authtype: false }),
      (error: Error) => !error.message.includes('secret'),
    );
  });

  it('says quit and its capabilities', () => {
    assert.equal(formatGitQuit(), 'quit=1\n');
    assert.equal(GIT_CAPABILITIES, 'version 0\ncapability authtype\n');
  });
});

describe('docker', () => {
  it('reads the server URL forms docker sends', () => {
    const accepted: Array<[string | Buffer, string]> = [
      ['registry.example.com', 'registry.example.com'],
      ['registry.example.com\n', 'registry.example.com'],
      ['registry.example.com\r\n', 'registry.example.com'],
      ['  registry.example.com:5000 \n', 'registry.example.com:5000'],
      ['https://registry.example.com/v2/', 'https://registry.example.com/v2/'],
      ['https://index.docker.io/v1/', 'https://index.docker.io/v1/'],
      ['http://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/'],
      [Buffer.from('Registry.Example.com\n'), 'Registry.Example.com'],
    ];
    for (const [input, expected] of accepted) assert.equal(parseServerUrl(input), expected, JSON.stringify(input.toString()));
    const refused: Array<string | Buffer> = [
      '',
      '\n',
      'registry.example.com\n\n',
      'registry.example.com\nevil.net',
      'registry.example.com\revil.net',
      'registry.example.com\0',
      'http://registry.example.com',
      'https://user@registry.example.com',
      Buffer.from([0x72, 0xff]),
      'a'.repeat(8 * 1024 + 1),
    ];
    for (const input of refused) assert.equal(parseServerUrl(input), null, JSON.stringify(input.toString()));
  });

  it('reads a credential to store', () => {
    const credential = { ServerURL: 'https://registry.example.com', Username: 'ci', Secret: 's3cr3t' };
    assert.deepEqual(parseDockerStore(`${JSON.stringify({ ...credential, Extra: 1 })}\n`), credential);
    assert.deepEqual(parseDockerStore(Buffer.from(JSON.stringify(credential))), credential);
    for (const input of [
      '',
      'null',
      '[]',
      '"x"',
      '{"ServerURL":"registry.example.com","Username":"ci"}',
      '{"ServerURL":"registry.example.com","Username":"ci","Secret":1}',
      '{"ServerURL":"http://registry.example.com","Username":"ci","Secret":"s"}',
      '{"ServerURL":"registry.example.com","Username":"ci","Secret":"s"',
      `{"ServerURL":"registry.example.com","Username":"ci","Secret":"${'s'.repeat(64 * 1024)}"}`,
    ]) {
      assert.equal(parseDockerStore(input), null, input.slice(0, 80));
    }
  });

  it('writes credentials and lists', () => {
    const answer = formatDockerCredential({ ServerURL: 'registry.example.com', Username: 'oauth2', Secret: 'to"k' });
    assert.equal(answer, '{"ServerURL":"registry.example.com","Username":"oauth2","Secret":"to\\"k"}\n');
    assert.deepEqual(JSON.parse(answer), { ServerURL: 'registry.example.com', Username: 'oauth2', Secret: 'to"k' });
    assert.equal(
      formatDockerList({ 'registry.example.com': 'oauth2', 'https://index.docker.io/v1/': 'me' }),
      '{"registry.example.com":"oauth2","https://index.docker.io/v1/":"me"}\n',
    );
    assert.equal(formatDockerList({}), '{}\n');
    assert.equal(DOCKER_NOT_FOUND, 'credentials not found in native keychain');
  });
});

describe('kubectl', () => {
  it('reads KUBERNETES_EXEC_INFO', () => {
    assert.deepEqual(parseExecInfo(undefined), { apiVersion: 'client.authentication.k8s.io/v1beta1', interactive: false });
    assert.deepEqual(parseExecInfo(''), { apiVersion: 'client.authentication.k8s.io/v1beta1', interactive: false });
    assert.deepEqual(
      parseExecInfo('{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":true,"cluster":{"server":"https://k.example.com"}}}'),
      { apiVersion: 'client.authentication.k8s.io/v1', interactive: true },
    );
    assert.deepEqual(parseExecInfo('{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}'), {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      interactive: false,
    });
    assert.deepEqual(parseExecInfo('{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":"yes"}}'), {
      apiVersion: 'client.authentication.k8s.io/v1',
      interactive: false,
    });
  });

  it('explains what it cannot read', () => {
    const cases: Array<[string, RegExp]> = [
      ['{', /not valid JSON/],
      ['[]', /not a JSON object/],
      [
        '{"apiVersion":"client.authentication.k8s.io/v1alpha1","kind":"ExecCredential"}',
        /v1alpha1.*supported: client\.authentication\.k8s\.io\/v1, client\.authentication\.k8s\.io\/v1beta1/,
      ],
      ['{"kind":"ExecCredential"}', /apiVersion \(none\)/],
      ['{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"}', /kind "Pod"/],
    ];
    for (const [input, message] of cases) {
      const result = parseExecInfo(input);
      assert.ok('error' in result, input);
      assert.match(result.error, message);
    }
  });

  it('writes an ExecCredential of the asked apiVersion', () => {
    const expiresAt = new Date('2030-01-02T03:04:05.678Z');
    for (const apiVersion of ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const) {
      const output = formatExecCredential(apiVersion, 'tok', expiresAt);
      assert.ok(output.endsWith('}\n'));
      assert.deepEqual(JSON.parse(output), {
        apiVersion,
        kind: 'ExecCredential',
        status: { token: 'tok', expirationTimestamp: '2030-01-02T03:04:05Z' },
      });
    }
    assert.equal(
      formatExecCredential('client.authentication.k8s.io/v1', 'tok', null),
      '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok"}}\n',
    );
  });

  it('refuses to write a credential kubectl could not use', () => {
    assert.throws(() => formatExecCredential('client.authentication.k8s.io/v1', '', null), RangeError);
    assert.throws(() => formatExecCredential('client.authentication.k8s.io/v1', 'tok', new Date(Number.NaN)), RangeError);
    assert.throws(() => formatExecCredential('client.authentication.k8s.io/v1', 'tok', new Date(Date.UTC(10000, 0, 1))), RangeError);
  });
});
