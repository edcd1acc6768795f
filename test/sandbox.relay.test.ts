// needs: openssl
// tier: slow (384 MiB through the relay to stalled readers: left out of npm run test:fast)
/**
 * The EICE endpoint's relay on its own, over real TLS and WebSockets to a TCP target we control
 * (the sandbox's sshd cannot echo): bytes arrive intact both ways in frames of at most 64 KiB,
 * and a slow side holds the other back instead of piling data up in the sandbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { defaultConfig } from '../src/sandbox/config.js';
import { startEiceServer, type EiceServer } from '../src/sandbox/eice-server.js';
import { FaultControl } from '../src/sandbox/faults.js';
import { FRAME_BYTES_TO_CLIENT } from '../src/sandbox/target-relay.js';
import { generateSandboxTls, type SandboxTls } from '../src/sandbox/tls.js';
import { presignOpenTunnel } from '../src/tunnel/presign.js';
import { silentLogger } from '../src/log.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the target does with a connection; chosen per test. */
let onTarget: (s: Socket) => void = (s) => s.pipe(s);

describe('sandbox relay (WSS <-> TCP)', () => {
  const config = defaultConfig();
  let tls: SandboxTls;
  let eice: EiceServer;
  let target: Server;

  before(async () => {
    tls = await generateSandboxTls();
    target = createServer((s) => onTarget(s));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    eice = await startEiceServer({ config, tls, faults: new FaultControl(), logger: silentLogger, target: () => ({ host: '127.0.0.1', port }) }, ['127.0.0.1'], 0);
  });
  after(async () => {
    await eice.close();
    target.close();
  });

  function open(): Promise<WebSocket> {
    const url = presignOpenTunnel({
      dnsName: `localhost:${eice.port}`, instanceConnectEndpointId: config.endpoints[0].id, remotePort: 22,
      privateIpAddress: '10.0.1.10', region: config.region, credentials: config.credentials[0],
    });
    // A zero mask spares ws's JavaScript masking (no bufferutil here): these tests are about flow.
    const ws = new WebSocket(url, { ca: tls.caPem, perMessageDeflate: false, generateMask: (mask) => { mask.fill(0); } });
    return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject); });
  }

  it('echoes 16 MiB intact, in binary frames of at most 64 KiB', async () => {
    onTarget = (s) => s.pipe(s);
    const data = randomBytes(16 * MiB);
    const ws = await open();
    const got = createHash('sha256');
    let n = 0;
    let biggest = 0;
    let textFrames = 0;
    const done = new Promise<void>((resolve) => {
      ws.on('message', (d: Buffer, isBinary: boolean) => {
        if (!isBinary) textFrames++;
        biggest = Math.max(biggest, d.length);
        got.update(d);
        n += d.length;
        if (n === data.length) resolve();
      });
    });
    for (let off = 0; off < data.length; off += 65_000) ws.send(data.subarray(off, off + 65_000));
    await done;
    assert.equal(textFrames, 0);
    assert.ok(biggest <= FRAME_BYTES_TO_CLIENT && FRAME_BYTES_TO_CLIENT === 65536, `largest frame ${biggest}`);
    assert.equal(got.digest('hex'), createHash('sha256').update(data).digest('hex'));
    ws.close();
  });

  it('instance -> client: a client that stops reading stops the sandbox reading the instance', async () => {
    const total = 256 * MiB;
    let source!: Socket;
    let finished = false;
    onTarget = (s) => {
      source = s;
      const block = Buffer.alloc(MiB, 0x61);
      let left = total;
      const pump = () => {
        while (left > 0) {
          left -= block.length;
          if (!s.write(block)) { s.once('drain', pump); return; }
        }
        s.end(() => { finished = true; });
      };
      pump();
    };
    const ws = await open();
    let received = 0;
    ws.on('message', (d: Buffer) => { received += d.length; });
    ws.pause(); // the client reads nothing
    await sleep(1500); // time passing on purpose: the instance must stay held back meanwhile
    const accepted = source.bytesWritten - source.writableLength; // what left the instance side
    assert.equal(finished, false);
    assert.ok(accepted < total / 4, `the instance could push only what buffers hold, not everything (${(accepted / MiB).toFixed(1)} MiB)`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.resume();
    assert.equal(await closed, 1000, 'the instance ending is a normal close');
    assert.equal(received, total);
  });

  it('client -> instance: an instance that stops reading stops the sandbox reading the client', async () => {
    let sink!: Socket;
    let sunk = 0;
    onTarget = (s) => { sink = s; s.pause(); s.on('data', (d: Buffer) => { sunk += d.length; }); };
    const ws = await open();
    const chunk = Buffer.alloc(65_000, 0x62);
    const total = 128 * MiB;
    for (let sent = 0; sent < total; sent += chunk.length) ws.send(chunk);
    await sleep(1500); // time passing on purpose: the client must stay held back meanwhile
    // ws hands everything queued to one writev that completes only when all of it is taken:
    // more than every buffer on the way can hold, unless the sandbox reads without limit.
    assert.ok(ws.bufferedAmount > 0, 'the client could not hand over everything');
    sink.resume();
    await until(() => sunk >= total - chunk.length, () => `all to arrive (${sunk})`);
    assert.ok(sunk >= total - chunk.length, `all arrived once the instance read again (${sunk})`);
    ws.close();
  });
});
