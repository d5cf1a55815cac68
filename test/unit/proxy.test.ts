// Proxy choice as curl makes it: HTTPS_PROXY / HTTP_PROXY with the lowercase name winning, NO_PROXY's forms, loopback direct, credentials masked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseProxy, describeProxy, noProxyMatch } from '../../src/net/proxy.js';

const PROXY = 'http://proxy.corp:3128';
const via = (url: string, env: Record<string, string>): string | undefined => chooseProxy(new URL(url), env).proxy?.href;

describe('which variable names the proxy', () => {
  it('https URLs take HTTPS_PROXY, http URLs HTTP_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://secure.corp:1', HTTP_PROXY: 'http://plain.corp:2' };
    assert.equal(via('https://login.example.com/', env), 'http://secure.corp:1/');
    assert.equal(via('http://login.example.com/', env), 'http://plain.corp:2/');
    assert.equal(via('https://login.example.com/', { HTTP_PROXY: PROXY }), undefined);
  });

  it('the lowercase name wins over the uppercase one, as in curl, even when it is empty', () => {
    assert.equal(via('https://a.example.com/', { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' }), 'http://lower:2/');
    assert.equal(via('https://a.example.com/', { HTTPS_PROXY: PROXY, https_proxy: '' }), undefined);
    assert.equal(via('https://a.example.com/', { HTTPS_PROXY: PROXY, NO_PROXY: 'a.example.com', no_proxy: 'other.example.com' }), `${PROXY}/`);
    assert.equal(via('https://a.example.com/', { HTTPS_PROXY: PROXY, NO_PROXY: 'other.example.com', no_proxy: 'a.example.com' }), undefined);
  });

  it('a proxy without a scheme is an http proxy; other schemes are refused in one line, credentials masked', () => {
    assert.equal(via('https://a.example.com/', { HTTPS_PROXY: 'proxy.corp:3128' }), `${PROXY}/`);
    assert.throws(() => chooseProxy(new URL('https://a.example.com/'), { HTTPS_PROXY: 'socks5://u:hunter22@proxy.corp:1080' }), /HTTPS_PROXY names a socks5 proxy/);
    assert.doesNotThrow(() => chooseProxy(new URL('https://a.example.com/'), { HTTPS_PROXY: 'https://proxy.corp' }));
  });

  it('loopback is never proxied, whatever NO_PROXY says', () => {
    const env = { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY };
    for (const url of ['http://127.0.0.1:3000/callback', 'http://localhost:3000/callback/x', 'https://[::1]:8443/', 'http://127.5.6.7/']) assert.equal(via(url, env), undefined, url);
    assert.equal(via('https://127.example.com/', env), `${PROXY}/`);
  });
});

describe("NO_PROXY in curl's forms", () => {
  const match = (url: string, noProxy: string) => noProxyMatch(new URL(url), noProxy);

  it('a host name matches itself and the names below it, with or without a leading dot (or *.)', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com', 'example.com.']) {
      assert.ok(match('https://example.com/', entry), `${entry} / example.com`);
      assert.ok(match('https://login.eu.example.com/', entry), `${entry} / login.eu.example.com`);
      assert.equal(match('https://notexample.com/', entry), undefined, `${entry} / notexample.com`);
    }
  });

  it('a list, with spaces; * alone sends everything direct', () => {
    assert.equal(match('https://b.corp/', 'a.corp, b.corp ,c.corp'), 'b.corp');
    assert.equal(match('https://anything.example/', '*'), '*');
    assert.equal(match('https://anything.example/', 'a.corp,*'), '*');
    assert.equal(match('https://anything.example/', ''), undefined);
  });

  it('host:port entries match that port only (the default port when the URL gives none)', () => {
    assert.ok(match('https://login.corp/', 'login.corp:443'));
    assert.ok(match('https://login.corp:8443/', 'login.corp:8443'));
    assert.equal(match('https://login.corp:8443/', 'login.corp:443'), undefined);
    assert.equal(match('http://login.corp/', 'login.corp:443'), undefined);
  });

  it('IP addresses match exactly, CIDR ranges by prefix, IPv6 with or without brackets', () => {
    assert.ok(match('https://10.1.2.3/', '10.1.2.3'));
    assert.equal(match('https://10.1.2.30/', '10.1.2.3'), undefined);
    assert.ok(match('https://10.1.2.3/', '10.0.0.0/8'));
    assert.equal(match('https://11.1.2.3/', '10.0.0.0/8'), undefined);
    assert.ok(match('https://[fd00::5]/', 'fd00::5'));
    assert.ok(match('https://[fd00::5]:8443/', '[fd00::5]:8443'));
    assert.ok(match('https://[fd00::5]/', 'fd00::/8'));
    assert.equal(match('https://[fe80::5]/', 'fd00::/8'), undefined);
  });
});

describe('describeProxy: for diagnostics, credentials never shown', () => {
  it('names the proxy and why, with the user name and password masked', () => {
    const env = { https_proxy: 'http://alice:s3cret-pw@proxy.corp:3128', no_proxy: '.internal' };
    const line = describeProxy('https://login.example.com/', env);
    assert.equal(line, 'through http://***@proxy.corp:3128 (HTTPS_PROXY)');
    assert.doesNotMatch(line, /alice|s3cret/);
    assert.equal(describeProxy('https://auth.internal/', env), 'direct (NO_PROXY names .internal)');
    assert.equal(describeProxy('http://127.0.0.1:3000/', env), 'direct (loopback is never proxied)');
    assert.equal(describeProxy('https://login.example.com/', {}), 'direct (no HTTPS_PROXY set)');
    assert.doesNotMatch(describeProxy('https://x.example/', { HTTPS_PROXY: 'ftp://bob:pw-123456@p:21' }), /bob|pw-123456/);
    // No URL at all (a password with an unencoded / in it): still nothing before the last @ is shown.
    const unparsable = describeProxy('https://x.example/', { HTTPS_PROXY: 'http://carol:pa/ss@w0rd@proxy.corp:3128' });
    assert.doesNotMatch(unparsable, /carol|pa\/ss|w0rd/);
    assert.match(unparsable, /proxy\.corp:3128/);
  });
});
