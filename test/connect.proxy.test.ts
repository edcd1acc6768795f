// needs: openssl
// connectTunnel() through a real HTTP CONNECT proxy (the agent src/net/https-proxy.ts builds):
// the extra CA still applies to the endpoint's TLS inside the proxy tunnel, bytes flow through
// relay(), and a proxy refusal comes back as the agent's own EicError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { EicError } from '../src/errors.js';
import { proxyAgentFor } from '../src/net/https-proxy.js';
import { connectTunnel } from '../src/tunnel/connect.js';
import { relay } from '../src/tunnel/relay.js';
import { collect } from './helpers/byte-streams.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { SECRET_SIGNATURE, startTestEndpoint, type TestEndpoint } from './helpers/tunnel-endpoint.js';

let ep: TestEndpoint;
before(async () => { ep = await startTestEndpoint(); });
after(async () => { await ep.close(); });

const viaName = () => ep.url.replace('wss://127.0.0.1:', 'wss://localhost:');

test('a tunnel through an HTTPS proxy: the endpoint certificate is checked with the extra CA, bytes flow', async () => {
  const proxy = await startConnectProxy({ route: () => ({ host: '127.0.0.1', port: ep.port }) });
  try {
    const url = viaName();
    const agent = proxyAgentFor(url, { HTTPS_PROXY: proxy.url });
    assert.ok(agent);
    const [ws, conn] = await Promise.all([connectTunnel({ url, ca: ep.ca, agent }), ep.nextConnection()]);
    assert.equal(proxy.connects.length, 1);
    assert.equal(proxy.connects[0].authority, `localhost:${ep.port}`);
    const out = new PassThrough();
    const got = collect(out);
    const relayed = relay(ws, { readable: new PassThrough(), writable: out });
    conn.ws.send(Buffer.from('through the proxy'));
    conn.ws.close(1000);
    await relayed;
    assert.equal((await got).toString(), 'through the proxy');
  } finally {
    await proxy.close();
  }
});

test('through a proxy, an untrusted endpoint certificate is still refused', async () => {
  const proxy = await startConnectProxy({ route: () => ({ host: '127.0.0.1', port: ep.port }) });
  try {
    const url = viaName();
    await assert.rejects(connectTunnel({ url, agent: proxyAgentFor(url, { HTTPS_PROXY: proxy.url }) }),
      (err: unknown) => err instanceof EicError && err.code === 'tunnel-tls-untrusted');
  } finally {
    await proxy.close();
  }
});

test('a proxy that refuses CONNECT: the agent\'s error comes through, without the URL', async () => {
  const proxy = await startConnectProxy({ refuseWith: 403 });
  try {
    const url = viaName();
    await assert.rejects(connectTunnel({ url, ca: ep.ca, agent: proxyAgentFor(url, { HTTPS_PROXY: proxy.url }) }), (err: unknown) => {
      assert.ok(err instanceof EicError, String(err));
      assert.match(err.message, /403/);
      assert.ok(!`${err.message} ${err.hint}`.includes(SECRET_SIGNATURE));
      return true;
    });
  } finally {
    await proxy.close();
  }
});
