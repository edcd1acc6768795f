// needs: openssl
// A real WSS connection carried by a real CONNECT proxy (both on loopback), through the agent
// proxyAgentFor() returns: CONNECTs counted, Basic credentials sent, SNI is the target name,
// NO_PROXY bypasses, and proxy refusals become EicErrors with hints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import WebSocket from 'ws';
import { EicError } from '../src/errors.js';
import { proxyAgentFor, HttpsProxyAgent } from '../src/net/https-proxy.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { makeCert, startWssEcho, type EchoServer } from './helpers/tls-echo-server.js';

// A name that does not resolve: the connection can only succeed if the proxy carried it.
const NAME = 'eice-0123456789abcdef0.ec2-instance-connect-endpoint.invalid';
let echo: EchoServer;

before(async () => {
  echo = await startWssEcho(makeCert([NAME], ['127.0.0.1']));
});
after(async () => {
  await echo.close();
});

/** Open a WebSocket with the given agent, send one binary message, return the echo. */
async function roundTrip(url: string, agent: ReturnType<typeof proxyAgentFor>): Promise<Buffer> {
  const ws = new WebSocket(url, { agent, ca: echo.ca });
  try {
    await once(ws, 'open');
    const payload = Buffer.from('hello through the proxy');
    ws.send(payload);
    const [data] = await once(ws, 'message');
    return data as Buffer;
  } finally {
    ws.close();
  }
}

function routeToEcho() {
  return () => ({ host: '127.0.0.1', port: echo.port });
}

test('a WSS connection goes through the CONNECT proxy, with SNI = the target host', async () => {
  const proxy = await startConnectProxy({ route: routeToEcho() });
  try {
    const url = `wss://${NAME}:${echo.port}/openTunnel?x=1`;
    const agent = proxyAgentFor(url, { HTTPS_PROXY: proxy.url });
    assert.ok(agent instanceof HttpsProxyAgent);
    const before = echo.servernames.length;
    const got = await roundTrip(url, agent);
    assert.equal(got.toString(), 'hello through the proxy');
    assert.equal(proxy.connects.length, 1);
    assert.equal(proxy.connects[0].authority, `${NAME}:${echo.port}`);
    assert.equal(proxy.connects[0].headers['proxy-authorization'], undefined);
    assert.deepEqual(echo.servernames.slice(before), [NAME]);
  } finally {
    await proxy.close();
  }
});

test('Basic credentials from the proxy URL are sent (percent-decoded)', async () => {
  const proxy = await startConnectProxy({ route: routeToEcho(), credentials: 'alice:p@ss:w0rd' });
  try {
    const url = `wss://${NAME}:${echo.port}/`;
    const proxyUrl = `http://alice:p%40ss%3Aw0rd@127.0.0.1:${proxy.port}`;
    const got = await roundTrip(url, proxyAgentFor(url, { https_proxy: proxyUrl }));
    assert.equal(got.toString(), 'hello through the proxy');
    assert.equal(proxy.connects.length, 1);
    assert.equal(proxy.connects[0].headers['proxy-authorization'], 'Basic ' + Buffer.from('alice:p@ss:w0rd').toString('base64'));
  } finally {
    await proxy.close();
  }
});

test('NO_PROXY covering the target bypasses the proxy', async () => {
  const proxy = await startConnectProxy({ route: routeToEcho() });
  try {
    const url = `wss://127.0.0.1:${echo.port}/`;
    const env = { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' };
    assert.equal(proxyAgentFor(url, env), undefined);
    const got = await roundTrip(url, proxyAgentFor(url, env));
    assert.equal(got.toString(), 'hello through the proxy');
    // The same agent, used for a NO_PROXY host, goes direct too (the SDK shares one agent).
    const shared = new HttpsProxyAgent({ proxy: new URL(proxy.url), noProxy: '127.0.0.1' });
    assert.equal((await roundTrip(url, shared)).toString(), 'hello through the proxy');
    assert.equal(shared.tunnelsOpened, 0);
    assert.equal(proxy.connects.length, 0);
  } finally {
    await proxy.close();
  }
});

test('an https:// proxy: TLS to the proxy, then TLS to the target inside it', async () => {
  const proxyCert = makeCert(['proxy.test'], ['127.0.0.1']);
  const proxy = await startConnectProxy({ route: routeToEcho(), tls: proxyCert });
  try {
    assert.match(proxy.url, /^https:/);
    const agent = new HttpsProxyAgent({ proxy: new URL(proxy.url), proxyCa: proxyCert.cert });
    const got = await roundTrip(`wss://${NAME}:${echo.port}/`, agent);
    assert.equal(got.toString(), 'hello through the proxy');
    assert.equal(proxy.connects.length, 1);
    // Without trust in the proxy's certificate, nothing goes through.
    const untrusted = new HttpsProxyAgent({ proxy: new URL(proxy.url) });
    await assert.rejects(roundTrip(`wss://${NAME}:${echo.port}/`, untrusted), (e: unknown) => e instanceof EicError && e.code === 'proxy-tls' && /NODE_EXTRA_CA_CERTS/.test(e.hint ?? ''));
  } finally {
    await proxy.close();
  }
});

/** The error a WebSocket through the given proxy URL ends with. */
async function failure(proxyUrl: string): Promise<unknown> {
  const url = `wss://${NAME}:${echo.port}/`;
  const ws = new WebSocket(url, { agent: proxyAgentFor(url, { HTTPS_PROXY: proxyUrl }), ca: echo.ca });
  const [err] = await once(ws, 'error').catch((e: unknown) => [e]);
  return err;
}

test('a 407 becomes "proxy authentication required" with a hint', async () => {
  const proxy = await startConnectProxy({ route: routeToEcho(), credentials: 'alice:secret' });
  try {
    const err = await failure(proxy.url);
    assert.ok(err instanceof EicError, String(err));
    assert.equal(err.code, 'proxy-auth-required');
    assert.match(err.message, /proxy authentication required/);
    assert.match(err.hint ?? '', /HTTPS_PROXY=http:\/\/user:password@/);
    const wrong = await failure(`http://alice:wrong@127.0.0.1:${proxy.port}`);
    assert.ok(wrong instanceof EicError);
    assert.equal(wrong.code, 'proxy-auth-required');
    assert.match(wrong.hint ?? '', /refused/);
    assert.doesNotMatch(wrong.message + wrong.hint, /wrong/, 'the password never appears in messages');
    assert.equal(proxy.connects.length, 2);
  } finally {
    await proxy.close();
  }
});

test('a refused CONNECT and an unreachable proxy are EicErrors', async () => {
  const proxy = await startConnectProxy({ refuseWith: 403 });
  try {
    const err = await failure(proxy.url);
    assert.ok(err instanceof EicError);
    assert.equal(err.code, 'proxy-refused');
    assert.match(err.message, /403/);
    assert.match(err.message, new RegExp(`${NAME}:${echo.port}`));
  } finally {
    await proxy.close();
  }
  // A port that was just free and is now closed: connection refused.
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const err = await failure(`http://127.0.0.1:${deadPort}`);
  assert.ok(err instanceof EicError);
  assert.equal(err.code, 'proxy-unreachable');
  assert.match(err.message, /ECONNREFUSED/);
});
