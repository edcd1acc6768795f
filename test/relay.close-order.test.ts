// needs: openssl
// relay() over a real TLS WebSocket and a real loopback TCP connection, in every close order:
// who ends first, how the endpoint ends (1000, an error code, a text frame, a TCP drop), local
// failures, keep-alive. Frames the client sends are read off the wire and checked each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { relay } from '../src/tunnel/relay.js';
import { collect, hashStream as hashStreamOf, serverReceive, serverSend, sha256, tcpPair } from './helpers/byte-streams.js';
import type { FrameRecord } from './helpers/tunnel-endpoint.js';
import { eicErrorOf } from './helpers/eic-error.js';
import { useTunnelEndpoint } from './helpers/endpoint-fixture.js';
import { until } from './helpers/until.js';

const open = useTunnelEndpoint();

/** Data frames binary, 1..65,000 bytes, unfragmented and masked; nothing after the close frame. */
function assertFrames(frames: FrameRecord[]): void {
  const closeAt = frames.findIndex((f) => f.opcode === 0x8);
  frames.forEach((f, i) => {
    assert.ok(f.masked, `frame ${i} is masked`);
    assert.ok(f.fin, `frame ${i} is not fragmented`);
    assert.ok([0x2, 0x8, 0x9, 0xa].includes(f.opcode), `frame ${i} has opcode ${f.opcode}`);
    if (f.opcode === 0x2) {
      assert.ok(f.length > 0, `frame ${i} is empty`);
      assert.ok(f.length <= 65_000, `frame ${i} carries ${f.length} bytes`);
    }
    if (closeAt >= 0) assert.ok(i <= closeAt, `frame ${i} (opcode ${f.opcode}) sent after the close frame`);
  });
}

const rejection = (p: Promise<unknown>) => eicErrorOf(p, 'the relay');

test('local side ends first: everything sent before EOF arrives, then close 1000, no empty frames', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const received = serverReceive(conn.ws);
    const relayed = relay(ws, pair.local);
    const payload = randomBytes(700_001);
    pair.user.end(payload);
    const userSide = collect(pair.user);
    const end = await relayed;
    assert.equal(end.endedBy, 'local');
    assert.equal(end.bytesOut, payload.length);
    assert.equal(end.closeCode, 1000);
    assert.equal((await conn.closed).code, 1000);
    const got = await received;
    assert.equal(got.bytes, payload.length);
    assert.equal(got.sha256, sha256(payload));
    assert.equal((await userSide).length, 0);
    assertFrames(conn.frames);
    assert.equal(conn.frames.at(-1)?.opcode, 0x8, 'the close frame is the last frame');
  } finally {
    await pair.close();
  }
});

test('local EOF when the endpoint never answers the close: the relay still ends, without busy frames', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    conn.ws.pause(); // the endpoint stops reading: it never sees nor answers our close
    const relayed = relay(ws, pair.local);
    pair.user.end('bye');
    const started = Date.now();
    const end = await relayed;
    assert.equal(end.endedBy, 'local');
    assert.ok(Date.now() - started < 10_000, 'the relay gave up on the silent endpoint');
    conn.ws.resume();
    await conn.closed;
    assertFrames(conn.frames);
    assert.deepEqual(conn.frames.map((f) => f.opcode), [0x2, 0x8], 'one data frame, one close frame, nothing else');
  } finally {
    await pair.close();
  }
});

test('local EOF on a half-open-capable socket: the answer the endpoint sends before closing still arrives', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair({ allowHalfOpen: true }); // as `nc -N` or an HTTP/1.0 client would use it
  try {
    conn.ws.on('message', (m: Buffer) => conn.ws.send(Buffer.from(`answer to ${String(m)}`)));
    const relayed = relay(ws, pair.local);
    const userSide = collect(pair.user);
    pair.user.end('question');
    const end = await relayed;
    assert.equal(end.endedBy, 'local');
    assert.equal((await userSide).toString(), 'answer to question');
    assert.equal((await conn.closed).code, 1000);
  } finally {
    await pair.close();
  }
});

test('endpoint closes 1000 first: all data sent before the close reaches the local side, then EOF', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local);
    const userSide = collect(pair.user);
    const digest = await serverSend(conn.ws, 5 * 1024 * 1024 + 3);
    conn.ws.close(1000);
    const end = await relayed;
    assert.equal(end.endedBy, 'remote');
    assert.equal(end.closeCode, 1000);
    assert.equal(end.bytesIn, 5 * 1024 * 1024 + 3);
    const got = await userSide;
    assert.equal(got.length, 5 * 1024 * 1024 + 3);
    assert.equal(sha256(got), digest);
    assertFrames(conn.frames);
  } finally {
    await pair.close();
  }
});

for (const [code, reason] of [[4000, 'Unable to connect to target'], [1011, 'Tunnel max duration reached'], [1008, '']] as const) {
  test(`endpoint closes with ${code}: the relay rejects with the reason; earlier data is delivered`, async () => {
    const { ws, conn } = await open();
    const pair = await tcpPair();
    try {
      const relayed = relay(ws, pair.local);
      const userSide = collect(pair.user);
      conn.ws.send(Buffer.from('SSH-2.0-partial\r\n'));
      conn.ws.close(code, reason);
      const err = await rejection(relayed);
      assert.equal(err.code, 'tunnel-closed');
      assert.match(err.message, new RegExp(`code ${code}`));
      if (reason) assert.ok(err.message.includes(reason), err.message);
      assert.equal((await userSide).toString(), 'SSH-2.0-partial\r\n');
    } finally {
      await pair.close();
    }
  });
}

test('a text frame from the endpoint is an error: "received invalid data"', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local);
    const userSide = collect(pair.user);
    conn.ws.send(Buffer.from('abc'), { binary: true });
    conn.ws.send('not bytes', { binary: false });
    const err = await rejection(relayed);
    assert.equal(err.code, 'tunnel-invalid-data');
    assert.match(err.message, /received invalid data from the endpoint/);
    assert.equal((await userSide).toString(), 'abc');
  } finally {
    await pair.close();
  }
});

test('the endpoint drops TCP without a close frame: "tunnel connection lost"; earlier data is delivered', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local);
    const userSide = collect(pair.user);
    conn.ws.send(Buffer.from('xyz'), () => conn.ws.terminate());
    const err = await rejection(relayed);
    assert.equal(err.code, 'tunnel-lost');
    assert.match(err.message, /tunnel connection lost/);
    assert.equal((await userSide).toString(), 'xyz');
  } finally {
    await pair.close();
  }
});

test('the local peer resets its TCP connection: the tunnel is cut and the relay resolves', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local);
    pair.user.write('hello');
    await once(conn.ws, 'message');
    pair.user.resetAndDestroy();
    const end = await relayed;
    assert.equal(end.endedBy, 'local');
    assert.equal((await conn.closed).code, 1006, 'terminated, not closed');
  } finally {
    await pair.close();
  }
});

test('a local stream error terminates the tunnel and rejects with a local-stream error', async () => {
  const { ws, conn } = await open();
  const readable = new PassThrough();
  const writable = new PassThrough();
  const relayed = relay(ws, { readable, writable });
  readable.write('data before the failure');
  await once(conn.ws, 'message');
  readable.destroy(new Error('disk on fire'));
  const err = await rejection(relayed);
  assert.equal(err.code, 'local-stream');
  assert.match(err.message, /disk on fire/);
  assert.equal((await conn.closed).code, 1006);
});

test('both sides end at once: the relay resolves and the endpoint sees close 1000', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local);
    const userSide = collect(pair.user);
    conn.ws.send(Buffer.from('last words'));
    conn.ws.close(1000);
    pair.user.end('goodbye');
    const end = await relayed;
    assert.ok(end.endedBy === 'local' || end.endedBy === 'remote');
    assert.equal((await conn.closed).code, 1000);
    assert.equal((await userSide).toString(), 'last words');
    assertFrames(conn.frames);
  } finally {
    await pair.close();
  }
});

test('stdin/stdout-style pair: remote close ends the writable after flushing; stdin is let go', async () => {
  const { ws, conn } = await open();
  const readable = new PassThrough();
  const writable = new PassThrough();
  const out = collect(writable);
  const relayed = relay(ws, { readable, writable });
  readable.write('ping');
  const [msg] = await once(conn.ws, 'message');
  assert.equal(String(msg), 'ping');
  conn.ws.send(Buffer.from('pong'));
  conn.ws.close(1000);
  const end = await relayed;
  assert.deepEqual([end.endedBy, end.bytesIn, end.bytesOut], ['remote', 4, 4]);
  assert.equal((await out).toString(), 'pong');
  assert.equal(readable.listenerCount('data'), 0, 'the relay no longer reads stdin');
});

test('stdin EOF in a pair: close 1000 goes out and data the endpoint sent before its close is written', async () => {
  const { ws, conn } = await open();
  const readable = new PassThrough();
  const writable = new PassThrough();
  const out = collect(writable);
  // The endpoint answers the request before it reads our close frame (same TCP read).
  const requests: string[] = [];
  conn.ws.on('message', (m: Buffer) => {
    requests.push(String(m));
    conn.ws.send(Buffer.from('response'));
  });
  const relayed = relay(ws, { readable, writable });
  readable.end('request');
  const end = await relayed;
  assert.equal(end.endedBy, 'local');
  assert.equal((await conn.closed).code, 1000);
  assert.equal((await out).toString(), 'response');
  assert.deepEqual(requests, ['request']);
  assertFrames(conn.frames);
});

test('keep-alive: an idle tunnel is pinged, and a tunnel whose endpoint stops answering is reported lost', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    let pings = 0;
    conn.ws.on('ping', () => pings++);
    const relayed = relay(ws, pair.local, { keepAliveMs: 50 });
    while (pings < 3) await once(conn.ws, 'ping');
    conn.ws.pause(); // no more reading, so no more pongs
    const err = await rejection(relayed);
    assert.equal(err.code, 'tunnel-lost');
    assert.match(err.message, /keep-alive/);
  } finally {
    await pair.close();
  }
});

test('keep-alive does not call a tunnel lost while the local reader is what holds it up', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const relayed = relay(ws, pair.local, { keepAliveMs: 40 });
    pair.user.pause(); // the user reads nothing for a while: the relay stops reading the tunnel
    const sending = serverSend(conn.ws, 48 * 1024 * 1024, 31);
    await until(() => ws.isPaused, 'the relay to pause the tunnel', { everyMs: 10 });
    await new Promise((r) => setTimeout(r, 400)); // time passing on purpose: ten keep-alive intervals without a pong read
    const userSide = hashStreamOf(pair.user);
    const digest = await sending;
    conn.ws.close(1000);
    const end = await relayed;
    assert.equal(end.closeCode, 1000);
    assert.deepEqual(await userSide, { sha256: digest, bytes: 48 * 1024 * 1024 });
  } finally {
    await pair.close();
  }
});

test('a tunnel that dropped before the relay started is reported lost, not hung', async () => {
  const { ws, conn } = await open();
  conn.ws.terminate();
  await conn.closed;
  if (ws.readyState !== ws.CLOSED) await new Promise((r) => ws.once('close', r)); // the client has seen the drop
  const readable = new PassThrough();
  const writable = new PassThrough();
  writable.resume();
  const err = await rejection(relay(ws, { readable, writable }));
  assert.equal(err.code, 'tunnel-lost');
  assert.equal(writable.writableEnded, true, 'the local side was ended');

  // Also when the WebSocket already knows it is closed (its 'close' event is long gone).
  const second = await open();
  second.conn.ws.terminate();
  second.ws.resume();
  await once(second.ws, 'close');
  const err2 = await rejection(relay(second.ws, { readable: new PassThrough(), writable: new PassThrough().resume() }));
  assert.equal(err2.code, 'tunnel-lost');
});
