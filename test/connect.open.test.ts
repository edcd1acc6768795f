// needs: openssl
// connectTunnel() against a real TLS WebSocket server: what the upgrade request carries, that
// extra CAs add to (not replace) the trust store, and that bytes the endpoint sends the moment
// the tunnel opens are not lost before the caller attaches the relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { connectTunnel } from '../src/tunnel/connect.js';
import { relay } from '../src/tunnel/relay.js';
import { collect } from './helpers/byte-streams.js';
import { repoRoot } from './helpers/paths.js';
import { startTestEndpoint, type TestEndpoint } from './helpers/tunnel-endpoint.js';

let ep: TestEndpoint;
before(async () => { ep = await startTestEndpoint(); });
after(async () => { await ep.close(); });

test('the upgrade carries the presigned query, a User-Agent, and no compression offer', async () => {
  const version = (JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string }).version;
  const [ws, conn] = await Promise.all([connectTunnel({ url: ep.url, ca: ep.ca }), ep.nextConnection()]);
  try {
    const sent = new URL(conn.req.url ?? '', 'https://x');
    assert.equal(sent.pathname, '/openTunnel');
    assert.equal(sent.searchParams.get('instanceConnectEndpointId'), 'eice-123');
    assert.ok(sent.searchParams.get('X-Amz-Signature'));
    assert.equal(conn.req.headers['user-agent'], `eic/${version}`);
    assert.equal(conn.req.headers['sec-websocket-extensions'], undefined, 'no permessage-deflate offer');
    assert.equal(conn.req.headers['sec-websocket-protocol'], undefined);
    assert.equal(conn.req.headers.origin, undefined);
  } finally {
    ws.terminate();
  }
  const [ws2, conn2] = await Promise.all([connectTunnel({ url: ep.url, ca: ep.ca, userAgent: 'eic-test/1' }), ep.nextConnection()]);
  assert.equal(conn2.req.headers['user-agent'], 'eic-test/1');
  ws2.terminate();
});

test('extra CAs are added to the built-in roots', async () => {
  // An array holding the test CA among other certificates works as well as the CA alone.
  const [ws] = await Promise.all([connectTunnel({ url: ep.url, ca: [rootCertificates[0], Buffer.from(ep.ca)] }), ep.nextConnection()]);
  assert.equal(ws.readyState, ws.OPEN);
  ws.terminate();
});

test('bytes the endpoint sends as the tunnel opens wait, paused, for the relay', async () => {
  const banner = 'SSH-2.0-OpenSSH_9.6 sandbox\r\n';
  const serverSide = ep.nextConnection().then((conn) => {
    conn.ws.send(Buffer.from(banner));
    return conn;
  });
  const ws = await connectTunnel({ url: ep.url, ca: ep.ca });
  assert.equal(ws.isPaused, true, 'handed over paused');
  const conn = await serverSide;
  await new Promise((r) => setTimeout(r, 100)); // the caller is slow to attach: nothing may be lost
  const out = new PassThrough();
  const received = collect(out);
  const relayed = relay(ws, { readable: new PassThrough(), writable: out });
  conn.ws.close(1000);
  await relayed;
  assert.equal((await received).toString(), banner);
});
