// Which targets HTTPS_PROXY / NO_PROXY send through the proxy, and how proxy URLs are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EicError } from '../src/errors.js';
import { bypassesProxy, httpsProxyFromEnv, noProxyFromEnv } from '../src/net/no-proxy.js';
import { parseProxyUrl, proxyAgentFor } from '../src/net/https-proxy.js';

test('NO_PROXY host names match themselves and their subdomains, with or without a leading dot', () => {
  for (const list of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com.']) {
    assert.equal(bypassesProxy('example.com', 443, list), true, list);
    assert.equal(bypassesProxy('a.b.example.com', 443, list), true, list);
    assert.equal(bypassesProxy('notexample.com', 443, list), false, list);
    assert.equal(bypassesProxy('example.com.evil.net', 443, list), false, list);
  }
});

test('NO_PROXY lists, wildcard, ports, IP literals and CIDR blocks', () => {
  const list = ' foo.internal , amazonaws.com:8443,10.1.2.3 [fd00::1]:443 ::2 192.168.0.0/16, fe80::/10';
  assert.equal(bypassesProxy('foo.internal', 443, list), true);
  assert.equal(bypassesProxy('ec2.us-east-1.amazonaws.com', 443, list), false, 'port must match');
  assert.equal(bypassesProxy('ec2.us-east-1.amazonaws.com', 8443, list), true);
  assert.equal(bypassesProxy('10.1.2.3', 443, list), true);
  assert.equal(bypassesProxy('10.1.2.30', 443, list), false);
  assert.equal(bypassesProxy('fd00::1', 443, list), true);
  assert.equal(bypassesProxy('[fd00::1]', 443, list), true);
  assert.equal(bypassesProxy('fd00::1', 22, list), false);
  assert.equal(bypassesProxy('::2', 1, list), true);
  assert.equal(bypassesProxy('192.168.44.5', 443, list), true);
  assert.equal(bypassesProxy('192.169.0.1', 443, list), false);
  assert.equal(bypassesProxy('fe80::abcd', 443, list), true);
  assert.equal(bypassesProxy('anything', 1, '*'), true);
  assert.equal(bypassesProxy('anything', 1, ''), false);
  assert.equal(bypassesProxy('anything', 1, undefined), false);
});

test('loopback is proxied unless listed', () => {
  assert.equal(bypassesProxy('127.0.0.1', 443, 'example.com'), false);
  assert.equal(bypassesProxy('localhost', 443, 'example.com'), false);
  assert.equal(bypassesProxy('localhost', 443, 'localhost'), true);
  assert.equal(bypassesProxy('127.0.0.1', 443, '127.0.0.0/8'), true);
});

test('lower-case variables win, empty ones count as unset', () => {
  assert.equal(httpsProxyFromEnv({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' }), 'http://lower:2');
  assert.equal(httpsProxyFromEnv({ HTTPS_PROXY: 'http://upper:1', https_proxy: '' }), 'http://upper:1');
  assert.equal(httpsProxyFromEnv({}), undefined);
  assert.equal(noProxyFromEnv({ NO_PROXY: 'a', no_proxy: 'b' }), 'b');
  assert.equal(noProxyFromEnv({ NO_PROXY: 'a' }), 'a');
});

test('proxy URLs: bare host:port means http, other schemes are usage errors', () => {
  assert.equal(parseProxyUrl('proxy.corp:3128').href, 'http://proxy.corp:3128/');
  assert.equal(parseProxyUrl('https://p.corp').protocol, 'https:');
  for (const bad of ['socks5://p:1080', 'http://', '::::']) {
    assert.throws(() => parseProxyUrl(bad), (e: unknown) => e instanceof EicError && e.code === 'bad-proxy-url' && e.exitCode === 2, bad);
  }
});

test('proxyAgentFor: only for wss/https targets that NO_PROXY does not cover', () => {
  const env = { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: '.internal' };
  assert.ok(proxyAgentFor('wss://eice-1.example.com/openTunnel', env));
  assert.ok(proxyAgentFor('https://ec2.us-east-1.amazonaws.com/', env));
  assert.equal(proxyAgentFor('wss://eice.internal/openTunnel', env), undefined);
  assert.equal(proxyAgentFor('ws://eice-1.example.com/', env), undefined);
  assert.equal(proxyAgentFor('wss://eice-1.example.com/', {}), undefined);
});
