// needs: openssl
// The tunnel's TLS trust with extra CAs (AWS_CA_BUNDLE): the extra CAs alone are tried first
// (a context of ~140 roots costs ~35 ms to build), and the roots + extra store only when they
// do not verify the endpoint. Against a real TLS WebSocket server with throw-away CAs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type SecureContext } from 'node:tls';
import { connectTunnel } from '../src/tunnel/connect.js';
import { caTrust } from '../src/net/trust.js';
import { EicError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { makeCert } from './helpers/tls-echo-server.js';
import { startTestEndpoint, type TestEndpoint } from './helpers/tunnel-endpoint.js';

let ep: TestEndpoint;
before(async () => { ep = await startTestEndpoint(); });
after(async () => { await ep.close(); });

/** The outcome of one connectTunnel(), with its -v output. */
async function attempt(ca: string | string[]): Promise<{ ok: boolean; code?: string; debug: string }> {
  let debug = '';
  const logger = createLogger({ verbose: true, write: (s) => { debug += s; } });
  try {
    const ws = await connectTunnel({ url: ep.url, ca, logger });
    ws.terminate();
    return { ok: true, debug };
  } catch (err) {
    assert.ok(err instanceof EicError, String(err));
    return { ok: false, code: err.code, debug };
  }
}

test('the extra CAs verify the endpoint in one handshake, without the built-in roots', async () => {
  const r = await attempt(ep.ca);
  assert.equal(r.ok, true, r.debug);
  assert.doesNotMatch(r.debug, /trying again with the built-in roots/);
});

test('extra CAs that do not verify the endpoint: a second handshake with roots + extra, then the clear error', async () => {
  const other = makeCert(['elsewhere.example']).cert;
  const r = await attempt(other);
  assert.equal(r.ok, false);
  assert.equal(r.code, 'tunnel-tls-untrusted');
  assert.match(r.debug, /trying again with the built-in roots too/);
});

test('roots + extra is the fallback store: a CA among the roots verifies what the extra CAs alone do not', async () => {
  // The roots are a parameter here, so that a throw-away CA can stand in for a public one.
  const other = makeCert(['elsewhere.example']).cert;
  const trust = caTrust(other, [ep.ca]);
  const verdict = (secureContext: SecureContext) => new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: ep.port, servername: 'localhost', secureContext }, () => { resolve('trusted'); s.destroy(); });
    s.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
  });
  assert.notEqual(await verdict(trust.extra()), 'trusted');
  assert.equal(await verdict(trust.full()), 'trusted');
  assert.equal(trust.full(), trust.full(), 'built once');
});
