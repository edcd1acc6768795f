// needs: openssl
// Keep-alive against an endpoint that never answers pings (EICE may not: protocol §3): the
// tunnel keeps being pinged and stays up, its TCP connection has keep-alive probes on, and it
// still carries data afterwards. (An endpoint that did answer and then stops is reported lost:
// relay.close-order.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { relay } from '../src/tunnel/relay.js';
import { tcpPair } from './helpers/byte-streams.js';
import { useTunnelEndpoint } from './helpers/endpoint-fixture.js';

const open = useTunnelEndpoint({ autoPong: false });

test('an endpoint that never answers pings: the idle tunnel is pinged on and not called lost, then carries data', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    let pings = 0;
    conn.ws.on('ping', () => pings++);
    const relayed = relay(ws, pair.local, { keepAliveMs: 30 });
    const givenUp = relayed.then(() => 'ended', (err: Error) => `failed: ${err.message}`);
    // Ten intervals without a pong (the rule for an endpoint that answers would end it after two).
    while (pings < 10) {
      const r = await Promise.race([once(conn.ws, 'ping').then(() => undefined), givenUp]);
      assert.equal(r, undefined, 'the tunnel was given up');
    }
    const arrived = once(pair.user, 'data');
    conn.ws.send(Buffer.from('still here'));
    assert.equal(String((await arrived)[0]), 'still here');
    conn.ws.close(1000);
    const end = await relayed;
    assert.equal(end.closeCode, 1000);
  } finally {
    await pair.close();
  }
});

test('the tunnel\'s TCP connection has keep-alive probes on', async () => {
  const { ws, conn } = await open();
  try {
    const port = (conn.req.socket.localPort ?? 0);
    const ours = (conn.req.socket.remotePort ?? 0);
    // ss shows a keep-alive timer on a socket with SO_KEEPALIVE set (an idle one: "timer:(keepalive,…)").
    const line = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${ours} and dport = :${port} )`], { encoding: 'utf8' });
    assert.match(line, /timer:\(keepalive/, `no keep-alive timer on the client's socket: ${line}`);
  } finally {
    ws.terminate();
  }
});
