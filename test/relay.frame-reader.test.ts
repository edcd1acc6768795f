// needs: openssl
// The inbound frame reader (src/tunnel/frame-reader.ts) against a hand-written WebSocket
// endpoint over real TLS: the server side writes raw frames, one TLS record per write, so
// headers and payloads arrive split at every boundary. Each case runs twice: through
// connectTunnel (TLS read into one reused buffer) and through a plain ws client (ws's own
// socket chunks). What is checked: the exact payload bytes, pings answered with their payload,
// and every malformed frame turned into the same clear error as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { EicError } from '../src/errors.js';
import { connectTunnel } from '../src/tunnel/connect.js';
import { attachFrameReader } from '../src/tunnel/frame-reader.js';
import { relay, tunnelStream } from '../src/tunnel/relay.js';
import { collect, sha256, tcpPair } from './helpers/byte-streams.js';
import { signedLikeUrl, testCert } from './helpers/tunnel-endpoint.js';
import { eicErrorOf } from './helpers/eic-error.js';

interface ClientFrame { opcode: number; payload: Buffer }
interface RawConn {
  socket: TLSSocket;
  /** Frames the client sent (unmasked), as they arrive. */
  frames: ClientFrame[];
  /** Write bytes in pieces of the given sizes, one TLS record each, a tick apart. */
  send(bytes: Buffer, pieces?: number[]): Promise<void>;
}

let server: Server;
let port = 0;
const waiting: Array<(c: RawConn) => void> = [];
/** Bytes the next connection sends in the same write as its 101 answer. */
let early: Buffer | undefined;

before(async () => {
  const cert = testCert();
  server = createServer({ cert: cert.cert, key: cert.key }, (socket) => {
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onHead = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const key = /sec-websocket-key: *(\S+)/i.exec(head.subarray(0, end).toString())![1]!;
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      const answer = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(early ? Buffer.concat([answer, early]) : answer);
      early = undefined;
      const frames: ClientFrame[] = [];
      socket.on('data', clientFrameParser(frames));
      const conn: RawConn = {
        socket,
        frames,
        async send(bytes, pieces = [bytes.length]) {
          let off = 0;
          for (let i = 0; off < bytes.length; i++) {
            const n = Math.max(1, pieces[i % pieces.length]!);
            socket.write(bytes.subarray(off, off + n));
            off += n;
            await new Promise((r) => setImmediate(r));
          }
        },
      };
      waiting.shift()?.(conn);
    };
    socket.on('data', onHead);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((r) => server.close(r));
});

/** A server frame: unmasked unless asked, FIN unless asked. */
function frame(opcode: number, payload: Buffer | string, o: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  const body = Buffer.from(payload);
  const n = body.length;
  const len = n < 126 ? [n] : n < 65536 ? [126, n >> 8, n & 255] : [127, 0, 0, 0, 0, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode;
  if (!o.mask) return Buffer.concat([Buffer.from([b0, ...len]), body]);
  len[0]! |= 0x80;
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([b0, ...len]), key, body.map((x, i) => x ^ key[i % 4]!)]);
}

function clientFrameParser(out: ClientFrame[]): (d: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const len7 = buf[1]! & 0x7f;
      const hl = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4; // client frames are masked
      if (buf.length < hl) return;
      const len = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
      if (buf.length < hl + len) return;
      const key = buf.subarray(hl - 4, hl);
      const payload = Buffer.from(buf.subarray(hl, hl + len).map((x, i) => x ^ key[i % 4]!));
      out.push({ opcode: buf[0]! & 0x0f, payload });
      buf = buf.subarray(hl + len);
    }
  };
}

type Client = 'connectTunnel' | 'plain ws';
const CLIENTS: Client[] = ['connectTunnel', 'plain ws'];

async function open(client: Client): Promise<{ ws: WebSocket; conn: RawConn }> {
  const url = signedLikeUrl(port);
  const ca = testCert().cert;
  const conn = new Promise<RawConn>((r) => waiting.push(r));
  if (client === 'connectTunnel') return { ws: await connectTunnel({ url, ca }), conn: await conn };
  const ws = new WebSocket(url, { ca, perMessageDeflate: false });
  ws.on('error', () => {});
  // Paused in the 'open' listener itself, as connectTunnel hands it over: later, ws would
  // already have read the frames sent with the 101 answer.
  await new Promise<void>((resolve) => ws.once('open', () => { ws.pause(); resolve(); }));
  return { ws, conn: await conn };
}

/** relay() into a PassThrough that is read to the end; the local readable never ends. */
function relayed(ws: WebSocket): { end: ReturnType<typeof relay>; got: Promise<Buffer> } {
  const writable = new PassThrough();
  const got = collect(writable);
  return { end: relay(ws, { readable: new PassThrough(), writable }, { keepAliveMs: 0 }), got };
}

const rejection = (p: Promise<unknown>) => eicErrorOf(p);

/** Every length class, an empty frame, pings between frames and inside a fragmented message. */
function traffic(): { wire: Buffer; payload: Buffer; pings: Buffer[] } {
  const parts = [1, 125, 126, 65535, 65536, 200_000].map((n) => randomBytes(n));
  const [a, b, c] = [randomBytes(3000), randomBytes(70_000), randomBytes(5)];
  const pings = [Buffer.from('p1'), Buffer.alloc(0), randomBytes(125)];
  const wire = Buffer.concat([
    frame(2, parts[0]!), frame(9, pings[0]!), frame(2, parts[1]!), frame(2, Buffer.alloc(0)), frame(2, parts[2]!),
    frame(2, a, { fin: false }), frame(9, pings[1]!), frame(0, b, { fin: false }), frame(10, 'unsolicited'),
    frame(9, pings[2]!), frame(0, c), frame(2, parts[3]!), frame(2, parts[4]!), frame(2, parts[5]!),
  ]);
  return { wire, payload: Buffer.concat([parts[0]!, parts[1]!, parts[2]!, a, b, c, parts[3]!, parts[4]!, parts[5]!]), pings };
}

/** Split the first 2 KiB byte by byte and in odd sizes, the rest in large pieces. */
const SPLIT = [...Array(40).fill(1), 2, 3, 5, 7, 11, 13, 127, 1000, 16_384, 40_000, 65_536];

for (const client of CLIENTS) {
  test(`${client}: split frames of every length class, pings and a fragmented message: exact bytes, pings answered`, async () => {
    const { ws, conn } = await open(client);
    const { end, got } = relayed(ws);
    const t = traffic();
    await conn.send(t.wire, SPLIT);
    await conn.send(frame(8, Buffer.from([0x03, 0xe8])));
    const result = await end;
    assert.equal(result.endedBy, 'remote');
    assert.equal(result.closeCode, 1000);
    assert.equal(result.bytesIn, t.payload.length);
    const bytes = await got;
    assert.equal(bytes.length, t.payload.length);
    assert.equal(sha256(bytes), sha256(t.payload));
    const pongs = conn.frames.filter((f) => f.opcode === 10).map((f) => f.payload.toString('hex'));
    assert.deepEqual(pongs, t.pings.map((p) => p.toString('hex')));
    assert.equal(conn.frames.at(-1)?.opcode, 8, 'the close is answered');
    conn.socket.destroy();
  });

  test(`${client}: into a TCP socket read slowly, several MiB arrive intact (read buffers are reused only once written)`, async () => {
    const { ws, conn } = await open(client);
    const pair = await tcpPair();
    try {
      const end = relay(ws, pair.local, { keepAliveMs: 0 });
      const payload = randomBytes(6 * 1024 * 1024);
      const parts: Buffer[] = [];
      const userEnded = once(pair.user, 'end');
      // The user side reads in bursts, so the relay's writes complete late and out of step.
      pair.user.on('data', (d: Buffer) => {
        parts.push(d);
        pair.user.pause();
        setTimeout(() => pair.user.resume(), 1);
      });
      const wire: Buffer[] = [];
      for (let off = 0; off < payload.length; off += 65_536) wire.push(frame(2, payload.subarray(off, off + 65_536)));
      await conn.send(Buffer.concat(wire), [100_000, 3, 250_000]);
      await conn.send(frame(8, ''));
      assert.equal((await end).bytesIn, payload.length);
      await userEnded;
      assert.equal(sha256(Buffer.concat(parts)), sha256(payload));
    } finally {
      conn.socket.destroy();
      await pair.close();
    }
  });

  test(`${client}: tunnelStream gets the same bytes`, async () => {
    const { ws, conn } = await open(client);
    const stream = tunnelStream(ws, { keepAliveMs: 0 });
    const got = collect(stream);
    const t = traffic();
    await conn.send(t.wire, SPLIT);
    await conn.send(frame(8, ''));
    assert.equal(sha256(await got), sha256(t.payload));
    assert.equal(stream.bytesIn, t.payload.length);
    conn.socket.destroy();
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['a text frame', frame(1, 'hello'), /received invalid data from the endpoint \(a text frame\)/],
    ['a masked frame', frame(2, 'xyz', { mask: true }), /received invalid data from the endpoint \(.*MASK must be clear/],
    ['a frame with RSV1 set', frame(2, 'xyz', { rsv: 4 }), /received invalid data from the endpoint \(.*RSV1 must be clear/],
    ['an unknown opcode', frame(3, 'xyz'), /received invalid data from the endpoint \(.*invalid opcode 3/],
    ['a continuation with no message', frame(0, 'xyz'), /received invalid data from the endpoint \(.*invalid opcode 0/],
    ['a new binary message inside a fragmented one', Buffer.concat([frame(2, 'ab', { fin: false }), frame(0, 'cd', { fin: false }), frame(2, 'ef')]),
      /received invalid data from the endpoint \(a new message started inside a fragmented one\)/],
    ['a fragmented ping', frame(9, 'x', { fin: false }), /received invalid data from the endpoint \(.*FIN must be set/],
    ['a close with code 4000', frame(8, Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('Tunnel closed: maxTunnelDuration reached')])),
      /tunnel closed by the endpoint: Tunnel closed: maxTunnelDuration reached \(code 4000\)/],
  ];
  for (const [what, wire, message] of bad) {
    test(`${client}: ${what} after data fails the tunnel clearly; the data before it is delivered`, async () => {
      const { ws, conn } = await open(client);
      const { end, got } = relayed(ws);
      const before = randomBytes(20_000);
      await conn.send(Buffer.concat([frame(2, before), wire]), [7, 5000, 3]);
      const err = await rejection(end);
      assert.match(err.message, message);
      // Payload is passed on as it arrives, so the fragments before the bad frame are too.
      const fragments = what.includes('inside a fragmented') ? 'abcd' : '';
      assert.equal(sha256(await got), sha256(Buffer.concat([before, Buffer.from(fragments)])));
      conn.socket.destroy();
    });
  }

  test(`${client}: frames in the same TLS write as the 101 answer are read`, async () => {
    const payload = randomBytes(1000);
    early = Buffer.concat([frame(2, payload.subarray(0, 400)), frame(9, 'hi'), frame(2, payload.subarray(400))]);
    const { ws, conn } = await open(client);
    const { end, got } = relayed(ws);
    await conn.send(frame(8, ''));
    assert.equal((await end).closeCode, 1005);
    assert.equal(sha256(await got), sha256(payload));
    assert.deepEqual(conn.frames.filter((f) => f.opcode === 10).map((f) => f.payload.toString()), ['hi']);
    conn.socket.destroy();
  });
}

// The reader leans on ws internals and quietly steps aside when they change; this is the test
// that notices when an upgrade of ws has made it step aside (everything else would still pass).
test('the reader attaches to the installed ws, for connectTunnel and a plain ws client', async () => {
  for (const client of CLIENTS) {
    const { ws, conn } = await open(client);
    assert.equal(attachFrameReader(ws, { onPayload: () => {}, onProtocolError: () => {} }), true, client);
    ws.terminate();
    conn.socket.destroy();
  }
});
