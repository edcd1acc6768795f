// needs: openssl
/**
 * Each fault the sandbox can inject into the OpenTunnel endpoint, as a client sees it over a
 * real WSS connection: refused upgrades, closes after N bytes, text frames, stalls, dropped
 * connections and slow handshakes; per endpoint, for all, or for the next tunnel only.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { closed, EICE_A, EICE_B, firstMessage, openTunnel } from './helpers/sandbox-tunnel.js';

const V6 = { instanceConnectEndpointId: EICE_B, privateIpAddress: 'fd00:10:1:1::10' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sandbox fault injection', () => {
  let sb: Sandbox;
  before(async () => { sb = await startSandbox(); });
  after(async () => { await sb.close(); });
  afterEach(() => sb.faults.clear());

  it('refuse: the upgrade fails with the given status and JSON message, once', async () => {
    sb.faults.set(EICE_A, { kind: 'refuse', status: 503, message: 'injected: try later' }, { once: true });
    const a = await openTunnel(sb);
    assert.ok(!a.ok);
    assert.equal(a.status, 503);
    assert.equal(a.message, 'injected: try later');
    assert.ok(a.headers['x-amzn-requestid']);
    const b = await openTunnel(sb);
    assert.ok(b.ok, 'a one-shot fault applies to the next tunnel only');
    b.ws.close();
  });

  it('faults are per endpoint; "*" applies to every endpoint', async () => {
    sb.faults.set(EICE_B, { kind: 'refuse', status: 500, message: 'B is broken' });
    const a = await openTunnel(sb);
    assert.ok(a.ok, 'endpoint A is unaffected');
    a.ws.close();
    const b1 = await openTunnel(sb, V6);
    const b2 = await openTunnel(sb, V6);
    assert.ok(!b1.ok && !b2.ok, 'a standing fault applies to every tunnel');
    sb.faults.clear();
    sb.faults.set('*', { kind: 'refuse', status: 502, message: 'all broken' });
    const c = await openTunnel(sb);
    assert.ok(!c.ok && c.status === 502);
  });

  it('close-after: exactly N bytes arrive, then the given close code and reason', async () => {
    sb.faults.set(EICE_A, { kind: 'close-after', bytes: 10, code: 4001, reason: 'injected close' }, { once: true });
    const a = await openTunnel(sb);
    assert.ok(a.ok);
    const c = await closed(a.ws);
    assert.equal(c.code, 4001);
    assert.equal(c.reason, 'injected close');
    assert.equal(c.received.length, 10);
    assert.ok(c.received.toString('latin1').startsWith('SSH-2.0-'), 'the first 10 bytes of the server banner');
  });

  it('text-frame: a text frame arrives (here before any bytes)', async () => {
    sb.faults.set(EICE_A, { kind: 'text-frame', text: 'not binary' }, { once: true });
    const a = await openTunnel(sb);
    assert.ok(a.ok);
    const text = await new Promise<{ data: string; isBinary: boolean }>((resolve) => {
      a.ws.once('message', (d: Buffer, isBinary: boolean) => resolve({ data: d.toString(), isBinary }));
    });
    assert.deepEqual(text, { data: 'not binary', isBinary: false });
    a.ws.close();
  });

  it('drop: N bytes arrive, then the connection ends without a close frame (1006)', async () => {
    sb.faults.set(EICE_A, { kind: 'drop', afterBytes: 7 }, { once: true });
    const a = await openTunnel(sb);
    assert.ok(a.ok);
    const c = await closed(a.ws);
    assert.equal(c.code, 1006);
    assert.equal(c.received.toString('latin1'), 'SSH-2.0');
  });

  it('stall: nothing comes back and the client\'s frames stop being read', async () => {
    sb.faults.set(EICE_A, { kind: 'stall' }, { once: true });
    const a = await openTunnel(sb);
    assert.ok(a.ok);
    let got = 0;
    a.ws.on('message', (d: Buffer) => { got += d.length; });
    // Far more than the kernel buffers hold: if the server read, it would all leave the client.
    const chunk = Buffer.alloc(60_000, 1);
    for (let i = 0; i < 300; i++) a.ws.send(chunk);
    await sleep(800); // time passing on purpose: nothing may come back, nor be read, meanwhile
    assert.equal(got, 0, 'no banner: the instance is not reached');
    assert.ok(a.ws.bufferedAmount > 1_000_000, `client still holds unsent data (${a.ws.bufferedAmount} B)`);
    assert.equal(sb.activeTunnels(EICE_A), 1);
    a.ws.terminate();
    // Control: without the fault the banner comes at once.
    const b = await openTunnel(sb);
    assert.ok(b.ok);
    assert.match((await firstMessage(b.ws)).toString('latin1'), /^SSH-2\.0-/);
    b.ws.close();
  });

  it('delay-handshake: the upgrade answer comes only after the delay', async () => {
    sb.faults.set(EICE_A, { kind: 'delay-handshake', ms: 700 }, { once: true });
    const t0 = Date.now();
    const a = await openTunnel(sb);
    const slow = Date.now() - t0;
    assert.ok(a.ok);
    assert.ok(slow >= 650, `took ${slow} ms`);
    a.ws.close();
  });
});
