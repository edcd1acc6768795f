// needs: openssl
/**
 * The sandbox's download path (instance TCP -> frames built in place by frame-writer.ts, written
 * straight to the TLS socket): headers as ws itself would build them, every length class on the
 * wire read by a strict raw TLS client and by a real ws client, a large transfer intact through a
 * slow reader with bounded buffering, and the faults at their exact byte offsets.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import WebSocket, * as wsModule from 'ws';
import { WebSocketServer } from 'ws';
import { defaultConfig } from '../src/sandbox/config.js';
import { startEiceServer, type EiceServer } from '../src/sandbox/eice-server.js';
import { FaultControl, type Fault } from '../src/sandbox/faults.js';
import { FrameWriter, headerLength, putHeader, HEADER_ROOM } from '../src/sandbox/frame-writer.js';
import { FRAME_BYTES_TO_CLIENT } from '../src/sandbox/target-relay.js';
import { generateSandboxTls, type SandboxTls } from '../src/sandbox/tls.js';
import { presignOpenTunnel } from '../src/tunnel/presign.js';
import { silentLogger } from '../src/log.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** ws's own frame builder (not in its type definitions): the reference for our headers. */
const wsFrame = (wsModule as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } }).Sender.frame;

interface RawFrame { fin: boolean; rsv: number; opcode: number; masked: boolean; headerBytes: number; payload: Buffer }

/**
 * A WebSocket client on a bare TLS socket that records every frame exactly as it came, and
 * fails on a header ws would accept but RFC 6455 forbids (a length not in its minimal form).
 */
function rawClient(url: string, ca: string): Promise<{ frames: RawFrame[]; errors: string[]; ended: Promise<void>; socket: ReturnType<typeof tlsConnect> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(u.port), servername: 'localhost', ca });
    const frames: RawFrame[] = [];
    const errors: string[] = [];
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) { reject(new Error(head)); return; }
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve({ frames, errors, ended, socket });
      }
      for (;;) {
        if (buf.length < 2) return;
        const len7 = buf[1] & 0x7f;
        const h = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
        if (buf.length < h) return;
        let n = len7;
        if (len7 === 126) {
          n = buf.readUInt16BE(2);
          if (n < 126) errors.push(`length ${n} in a 2-byte extended length`);
        } else if (len7 === 127) {
          if (buf.readUInt32BE(2) !== 0) errors.push('length beyond 32 bits');
          n = buf.readUInt32BE(6);
          if (n < 65536) errors.push(`length ${n} in an 8-byte extended length`);
        }
        if (buf.length < h + n) return;
        const frame = { fin: (buf[0] & 0x80) !== 0, rsv: buf[0] & 0x70, opcode: buf[0] & 0x0f, masked: (buf[1] & 0x80) !== 0, headerBytes: h, payload: Buffer.from(buf.subarray(h, h + n)) };
        frames.push(frame);
        buf = buf.subarray(h + n);
        // Answer a close as a client must (masked, here with a zero key), then end.
        if (frame.opcode === 8) socket.end(Buffer.concat([Buffer.from([0x88, 0x80 | frame.payload.length, 0, 0, 0, 0]), frame.payload]));
      }
    });
  });
}

/** A target that sends `data` in the given pieces, each one only once `ready(sentSoFar)` resolves. */
function sendInPieces(s: Socket, data: Buffer, pieces: number[], ready: (sent: number) => Promise<void>): void {
  void (async () => {
    let off = 0;
    for (const p of pieces) {
      s.write(data.subarray(off, off + p));
      off += p;
      await ready(off);
    }
    s.end();
  })();
}

describe('sandbox relay: frames built in place', () => {
  const config = defaultConfig();
  const faults = new FaultControl();
  const endpointId = config.endpoints[0].id;
  let tls: SandboxTls;
  let eice: EiceServer;
  let target: Server;
  let targetPort = 0;
  let onTarget: (s: Socket) => void = (s) => s.end();
  let refusing = false;

  before(async () => {
    tls = await generateSandboxTls();
    target = createServer((s) => onTarget(s));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetPort = (target.address() as AddressInfo).port;
    // Port 1 on loopback: nothing listens there, the connection is refused.
    eice = await startEiceServer({ config, tls, faults, logger: silentLogger, target: () => ({ host: '127.0.0.1', port: refusing ? 1 : targetPort }) }, ['127.0.0.1'], 0);
  });
  after(async () => {
    await eice.close();
    target.close();
  });
  afterEach(() => { faults.clear(); refusing = false; });

  function url(maxTunnelDuration?: number): string {
    return presignOpenTunnel({
      dnsName: `localhost:${eice.port}`, instanceConnectEndpointId: endpointId, remotePort: 22,
      privateIpAddress: '10.0.1.10', region: config.region, credentials: config.credentials[0], maxTunnelDuration,
    });
  }

  function wsOpen(maxTunnelDuration?: number): Promise<WebSocket> {
    const ws = new WebSocket(url(maxTunnelDuration), { ca: tls.caPem, perMessageDeflate: false });
    return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject); });
  }

  /** Everything a ws client gets: binary and text messages in order, then the close. */
  function collect(ws: WebSocket) {
    const events: Array<{ binary: boolean; data: Buffer }> = [];
    let binaryBytes = 0;
    const waiters: Array<{ at: number; resolve: () => void }> = [];
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      events.push({ binary: isBinary, data: d });
      if (isBinary) binaryBytes += d.length;
      for (const w of waiters.filter((x) => binaryBytes >= x.at)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    return {
      events, closed,
      binary: () => Buffer.concat(events.filter((e) => e.binary).map((e) => e.data)),
      received: (at: number) => new Promise<void>((resolve) => { if (binaryBytes >= at) resolve(); else waiters.push({ at, resolve }); }),
    };
  }

  it('builds the header ws builds, for every length class up to FRAME_BYTES_TO_CLIENT', () => {
    assert.equal(FRAME_BYTES_TO_CLIENT, 65536);
    for (const n of [0, 1, 125, 126, 127, 4096, 65535, 65536]) {
      const buf = Buffer.alloc(HEADER_ROOM + n, 0xee);
      const start = putHeader(buf, HEADER_ROOM, n);
      assert.equal(HEADER_ROOM - start, headerLength(n));
      const [reference] = wsFrame(buf.subarray(HEADER_ROOM), { fin: true, rsv1: false, opcode: 2, mask: false, readOnly: false });
      assert.deepEqual(buf.subarray(start, HEADER_ROOM), reference, `header for ${n} bytes`);
      assert.ok(buf.subarray(HEADER_ROOM).every((b) => b === 0xee), 'the payload is untouched');
    }
  });

  it('FrameWriter on a real TLS socket: a ws client reads every length class, in order with ws\'s own frames', async () => {
    const sizes = [1, 125, 126, 127, 65535, 65536];
    const payload = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
    const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem });
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const reuse: string[] = [];
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (sws) => {
      const writer = new FrameWriter(socket, 65536, 4);
      let previous: Buffer | undefined;
      for (const n of sizes) {
        const view = writer.nextReadBuffer();
        // The buffer of a write still in flight is never handed out for the next read.
        if (previous && view.buffer === previous.buffer) reuse.push(`size ${n}`);
        payload(n, 1).copy(view);
        assert.equal(writer.sendRead(view, n), true);
        previous = view;
      }
      assert.equal(writer.sendRead(Buffer.alloc(10), 10), false, 'a buffer it did not hand out is refused');
      sws.send('between');
      for (const n of sizes) writer.sendCopy(payload(n, 2));
      sws.close(1000, 'done');
    }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const ws = new WebSocket(`wss://localhost:${(server.address() as AddressInfo).port}/`, { ca: tls.caPem, perMessageDeflate: false });
      const c = collect(ws);
      assert.deepEqual(await c.closed, { code: 1000, reason: 'done' });
      const expected = [...sizes.map((n) => payload(n, 1)), 'between', ...sizes.map((n) => payload(n, 2))];
      assert.equal(c.events.length, expected.length);
      c.events.forEach((e, i) => {
        const want = expected[i];
        if (typeof want === 'string') assert.deepEqual([e.binary, e.data.toString()], [false, want]);
        else assert.ok(e.binary && e.data.equals(want), `message ${i}: ${e.data.length} bytes`);
      });
      assert.deepEqual(reuse, []);
    } finally {
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('on the wire: unmasked FIN binary frames with minimal headers of 2, 4 and 10 bytes, the bytes intact', async () => {
    const big = 2 * MiB; // sent at once: the relay's reads fill its 64 KiB buffers
    const pieces = [1, 125, 126, 127, 65535, big];
    const data = randomBytes(pieces.reduce((a, b) => a + b, 0));
    let client!: Awaited<ReturnType<typeof rawClient>>;
    const got = () => client.frames.reduce((a, f) => a + f.payload.length, 0);
    onTarget = (s) => sendInPieces(s, data, pieces, async (sent) => { while (got() < sent) await sleep(5); });
    client = await rawClient(url(), tls.caPem);
    await client.ended;
    assert.deepEqual(client.errors, []);
    const data0 = client.frames.filter((f) => f.opcode === 2);
    const close = client.frames.find((f) => f.opcode === 8);
    assert.ok(close && close.payload.readUInt16BE(0) === 1000, 'the instance ending is a normal close');
    assert.ok(client.frames.every((f) => f.fin && f.rsv === 0 && !f.masked && (f.opcode === 2 || f.opcode === 8)));
    assert.ok(data0.every((f) => f.payload.length > 0 && f.payload.length <= FRAME_BYTES_TO_CLIENT));
    assert.equal(sha(Buffer.concat(data0.map((f) => f.payload))), sha(data));
    // The small pieces went alone (the target waited for each), so their frames are exact.
    assert.deepEqual(data0.slice(0, 4).map((f) => [f.payload.length, f.headerBytes]), [[1, 2], [125, 2], [126, 4], [127, 4]]);
    assert.ok(data0.some((f) => f.payload.length === FRAME_BYTES_TO_CLIENT - 4 && f.headerBytes === 4), 'a full read is a 64 KiB frame: 65,532 bytes behind a 4-byte header');
  });

  it('a real ws client reads every length class, in order and intact', async () => {
    const pieces = [1, 125, 126, 127, 65535, 65536, 65537, 3 * MiB + 17];
    const data = randomBytes(pieces.reduce((a, b) => a + b, 0));
    let c!: ReturnType<typeof collect>;
    onTarget = (s) => sendInPieces(s, data, pieces, (sent) => c.received(sent));
    const ws = await wsOpen();
    c = collect(ws);
    assert.deepEqual(await c.closed, { code: 1000, reason: '' });
    assert.ok(c.events.every((e) => e.binary && e.data.length <= FRAME_BYTES_TO_CLIENT));
    assert.deepEqual(c.events.slice(0, 4).map((e) => e.data.length), [1, 125, 126, 127]);
    assert.equal(sha(c.binary()), sha(data));
  });

  it('128 MiB to a slow reader arrive intact, with what is in flight bounded all along', async () => {
    const total = 128 * MiB;
    const hash = createHash('sha256');
    let source!: Socket;
    onTarget = (s) => {
      source = s;
      let left = total;
      const pump = () => {
        while (left > 0) {
          const block = randomBytes(Math.min(MiB, left));
          hash.update(block);
          left -= block.length;
          if (!s.write(block)) { s.once('drain', pump); return; }
        }
        s.end();
      };
      pump();
    };
    const ws = await wsOpen();
    const got = createHash('sha256');
    let received = 0;
    let maxInFlight = 0;
    let nextPause = MiB;
    ws.on('message', (d: Buffer) => {
      got.update(d);
      received += d.length;
      // What the instance has handed to the kernel, less what the client has: everything
      // buffered on the way (kernel buffers, the sandbox, ws). Without backpressure in the
      // sandbox, a slow client lets this grow towards the whole transfer.
      const accepted = source.bytesWritten - source.writableLength;
      maxInFlight = Math.max(maxInFlight, accepted - received);
      if (received >= nextPause) {
        nextPause += MiB;
        ws.pause();
        setTimeout(() => ws.resume(), 8);
      }
    });
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    assert.equal(code, 1000);
    assert.equal(received, total);
    assert.equal(got.digest('hex'), hash.digest('hex'));
    assert.ok(maxInFlight < 40 * MiB, `at most ${(maxInFlight / MiB).toFixed(1)} MiB in flight of ${total / MiB} MiB`);
  });

  /** A target that sends `data` at once and keeps the connection open. */
  function streaming(data: Buffer): void {
    onTarget = (s) => { s.on('error', () => {}); s.write(data); };
  }

  async function withFault(fault: Fault, data: Buffer) {
    faults.set(endpointId, fault, { once: true });
    streaming(data);
    const ws = await wsOpen();
    const c = collect(ws);
    return { ws, c, close: await c.closed };
  }

  it('close-after inside a large read: exactly N bytes, then the code and reason', async () => {
    const data = randomBytes(MiB);
    const { c, close } = await withFault({ kind: 'close-after', bytes: 100_003, code: 4001, reason: 'injected close' }, data);
    assert.deepEqual(close, { code: 4001, reason: 'injected close' });
    assert.ok(c.binary().equals(data.subarray(0, 100_003)));
    assert.ok(c.events.every((e) => e.binary));
  });

  it('text-frame inside a large read: the text frame comes after exactly N bytes, then the rest', async () => {
    const data = randomBytes(MiB);
    faults.set(endpointId, { kind: 'text-frame', afterBytes: 70_001, text: 'not binary' }, { once: true });
    let c!: ReturnType<typeof collect>;
    onTarget = (s) => sendInPieces(s, data, [data.length], (sent) => c.received(sent));
    const ws = await wsOpen();
    c = collect(ws);
    assert.equal((await c.closed).code, 1000);
    const i = c.events.findIndex((e) => !e.binary);
    assert.ok(i > 0, 'one text frame, after some bytes');
    assert.equal(c.events[i].data.toString(), 'not binary');
    assert.equal(c.events.filter((e) => !e.binary).length, 1);
    assert.equal(Buffer.concat(c.events.slice(0, i).map((e) => e.data)).length, 70_001);
    assert.ok(c.binary().equals(data), 'all bytes arrive, in order, around the text frame');
  });

  it('drop inside a large read: exactly N bytes, then the connection ends without a close frame', async () => {
    const data = randomBytes(MiB);
    const { c, close } = await withFault({ kind: 'drop', afterBytes: 65_536 + 5 }, data);
    assert.equal(close.code, 1006);
    assert.ok(c.binary().equals(data.subarray(0, 65_541)));
  });

  it('maxTunnelDuration ends a busy download with 1008 and a prefix of the bytes', async () => {
    let stop = false;
    const sentData: Buffer[] = [];
    onTarget = (s) => {
      s.on('error', () => {});
      const tick = () => {
        if (stop || s.destroyed) return;
        const b = randomBytes(256 * 1024);
        sentData.push(b);
        s.write(b, () => setTimeout(tick, 5));
      };
      tick();
    };
    const ws = await wsOpen(1);
    const c = collect(ws);
    const close = await c.closed;
    stop = true;
    assert.equal(close.code, 1008);
    assert.match(close.reason, /maxTunnelDuration of 1 seconds/);
    const got = c.binary();
    assert.ok(got.length > 0 && Buffer.concat(sentData).subarray(0, got.length).equals(got));
  });

  it('a target that refuses: 1011 "Unable to connect to target"', async () => {
    refusing = true;
    const ws = await wsOpen();
    const c = collect(ws);
    assert.deepEqual(await c.closed, { code: 1011, reason: 'Unable to connect to target' });
    assert.equal(c.events.length, 0);
  });
});
