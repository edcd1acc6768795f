// needs: openssl sshd
// `eic proxy` honours HTTPS_PROXY for the tunnel WebSocket (an HTTP CONNECT proxy on loopback)
// and NO_PROXY to bypass it; TLS to the endpoint is still verified end to end through it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let home: ReturnType<typeof tempHome>;
let proxy: http.Server;
let proxyUrl: string;
const connects: string[] = [];

before(async () => {
  sb = await startSandbox({ requireSshd: true });
  home = tempHome();
  // A minimal CONNECT proxy: it records each target and splices the sockets.
  proxy = http.createServer((_req, res) => { res.writeHead(405).end(); });
  proxy.on('connect', (req: http.IncomingMessage, client, head: Buffer) => {
    connects.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).on('error', () => {});
      client.pipe(upstream).on('error', () => {});
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  home?.cleanup();
  await sb?.close();
});

test('the tunnel WebSocket goes through HTTPS_PROXY, and NO_PROXY bypasses it', async () => {
  const id = sb.env.EIC_SANDBOX_INSTANCE;
  const dns = `localhost:${sb.eiceAddress.port}`;
  const via = await runEic(['proxy', id], eicEnv(sb, home.home, { HTTPS_PROXY: proxyUrl }));
  assert.equal(via.code, 0, via.stderr);
  assert.deepEqual(connects, [dns]);

  const direct = await runEic(['proxy', id], eicEnv(sb, home.home, { HTTPS_PROXY: proxyUrl, NO_PROXY: 'localhost' }));
  assert.equal(direct.code, 0, direct.stderr);
  assert.deepEqual(connects, [dns], 'NO_PROXY host reached directly');
});
