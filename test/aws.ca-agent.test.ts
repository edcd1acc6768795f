// needs: openssl
// The AWS API's https agent under AWS_CA_BUNDLE (src/net/ca-agent.ts): the bundle alone first,
// roots + bundle only for a certificate the bundle does not verify. Real HTTPS servers with
// throw-away CAs; the roots are a parameter of caTrust() so a test CA can stand in for a public one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CaAgent } from '../src/net/ca-agent.js';
import { caTrust } from '../src/net/trust.js';
import { makeCert } from './helpers/tls-echo-server.js';

const servers: Server[] = [];
after(() => { for (const s of servers) s.close(); });

/** An HTTPS server answering every request with "ok", counting connections and TLS handshakes that failed. */
async function server(cert: { cert: string; key: string }) {
  const counts = { connections: 0, failed: 0 };
  const s = createServer(cert, (_req, res) => res.end('ok'));
  s.on('connection', () => { counts.connections++; });
  s.on('tlsClientError', () => { counts.failed++; });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  servers.push(s);
  return { port: (s.address() as AddressInfo).port, counts };
}

/** GET / through the agent (a fresh connection each time: no keep-alive). */
function fetchOk(agent: CaAgent, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', servername: 'localhost', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
    });
    req.on('error', (err: Error & { code?: string }) => resolve(`error ${err.code ?? err.message}`));
  });
}

test('a bundle that verifies the API: one handshake, with the bundle alone', async () => {
  const cert = makeCert(['localhost']);
  const srv = await server(cert);
  const agent = new CaAgent(caTrust(cert.cert, []));
  assert.equal(await fetchOk(agent, srv.port), 'ok');
  assert.equal(await fetchOk(agent, srv.port), 'ok');
  assert.deepEqual(srv.counts, { connections: 2, failed: 0 });
  assert.equal(agent.fallbacks, 0);
  agent.destroy();
});

test('a certificate the bundle does not verify but a root does: verified on a second handshake, then at once', async () => {
  const cert = makeCert(['localhost']);
  const srv = await server(cert);
  const bundle = makeCert(['proxy.example']).cert;
  const agent = new CaAgent(caTrust(bundle, [cert.cert]));
  assert.equal(await fetchOk(agent, srv.port), 'ok');
  assert.deepEqual(srv.counts, { connections: 2, failed: 1 }, 'the bundle alone refused it first');
  assert.equal(await fetchOk(agent, srv.port), 'ok');
  assert.deepEqual(srv.counts, { connections: 3, failed: 1 }, 'the next connection goes to roots + bundle directly');
  assert.equal(agent.fallbacks, 1);
  agent.destroy();
});

test('a certificate neither the bundle nor the roots verify: the request fails with the verify error', async () => {
  const srv = await server(makeCert(['localhost']));
  const agent = new CaAgent(caTrust(makeCert(['proxy.example']).cert, [makeCert(['root.example']).cert]));
  assert.equal(await fetchOk(agent, srv.port), 'error DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(srv.counts.connections, 2, 'tried with the bundle, then with roots + bundle');
  assert.equal(agent.fallbacks, 1);
  agent.destroy();
});

test('a failure that is not about trust is not retried', async () => {
  const cert = makeCert(['localhost']);
  const srv = await server(cert);
  const agent = new CaAgent(caTrust(cert.cert, []));
  // The certificate is for "localhost": asking for another name fails on the name, not the chain.
  const err = await new Promise<string>((resolve) => {
    get({ host: '127.0.0.1', servername: 'elsewhere.example', port: srv.port, agent }, () => resolve('answered'))
      .on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
  assert.equal(err, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(agent.fallbacks, 0);
  assert.equal(srv.counts.connections, 1, 'one handshake only');
  agent.destroy();
});
