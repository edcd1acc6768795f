// needs: openssl
// tier: slow (256 MiB and more through the relay: left out of npm run test:fast)
// relay() keeps memory bounded whatever either side does, and is exact to the last byte: a
// stalled endpoint pauses the local reader, a slow local reader pauses the WebSocket, and
// 64 MiB each way at once arrive with equal SHA-256. Bounds are on buffered bytes, not time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { relay, SEND_HIGH_WATER } from '../src/tunnel/relay.js';
import { hashStream, randomSource, serverReceive, serverSend, tcpPair } from './helpers/byte-streams.js';
import type { ServerConn } from './helpers/tunnel-endpoint.js';
import { useTunnelEndpoint } from './helpers/endpoint-fixture.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;
/** Generous: the relay aims for ≤ 1 MiB + one chunk queued towards the endpoint. */
const BOUND = 4 * MiB;

const open = useTunnelEndpoint();

function assertDataFrames(conn: ServerConn): void {
  const data = conn.frames.filter((f) => f.opcode === 0x2);
  assert.ok(data.length > 0);
  assert.equal(conn.frames.filter((f) => f.opcode === 0x0 || f.opcode === 0x1).length, 0, 'no text or continuation frames');
  assert.ok(data.every((f) => f.length > 0 && f.length <= 65_000 && f.fin), 'data frames are 1..65,000 bytes, unfragmented');
}

/** Sample a few numbers on every macrotask turn until stopped. */
function sampler(read: () => Record<string, number>) {
  const max: Record<string, number> = {};
  let on = true;
  const tick = () => {
    for (const [k, v] of Object.entries(read())) max[k] = Math.max(max[k] ?? 0, v);
    if (on) setImmediate(tick);
  };
  tick();
  return { max, stop: () => { on = false; } };
}

test('a stalled endpoint pauses the local reader; memory stays bounded; then everything arrives', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    conn.ws.pause(); // the endpoint stops reading
    const received = serverReceive(conn.ws);
    const total = 64 * MiB;
    const source = randomSource(total, 3);
    const feeding = pipeline(source, pair.user);
    const relayed = relay(ws, pair.local);
    const s = sampler(() => ({ wsBuffered: ws.bufferedAmount, localReadable: pair.local.readableLength }));
    // Let the stall fill every buffer on the way: until the producer has been held for 300 ms
    // (time passing on purpose: that nothing more moves can only be seen by waiting).
    let last = -1;
    while (source.produced() !== last) {
      last = source.produced();
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(pair.local.isPaused(), 'the relay stopped reading the local side');
    assert.ok(source.produced() < total, 'the producer was held back');
    assert.ok(ws.bufferedAmount <= SEND_HIGH_WATER + 2 * 65_536, `ws queue ${ws.bufferedAmount}`);
    conn.ws.resume();
    await feeding; // the user's side ended: the relay closes the tunnel after sending it all
    const end = await relayed;
    s.stop();
    assert.ok(s.max.wsBuffered <= BOUND, `ws.bufferedAmount peaked at ${s.max.wsBuffered}`);
    assert.ok(s.max.localReadable <= BOUND, `local readable buffer peaked at ${s.max.localReadable}`);
    assert.equal(end.bytesOut, total);
    const got = await received;
    assert.equal(got.bytes, total);
    assert.equal(got.sha256, source.digest());
    assertDataFrames(conn);
  } finally {
    await pair.close();
  }
});

test('256 MiB from the endpoint to a slow local reader: the WebSocket is paused, buffers stay small', async (t) => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const total = 256 * MiB;
    const relayed = relay(ws, pair.local);
    const rss0 = process.memoryUsage().rss;
    const s = sampler(() => ({
      localWritable: pair.local.writableLength,
      wsPaused: ws.isPaused ? 1 : 0,
      rss: process.memoryUsage.rss(),
    }));
    // The user reads in bursts: 16 MiB, then a 100 ms nap (long enough to fill the kernel buffers).
    const hash = createHash('sha256');
    let bytes = 0;
    let sinceNap = 0;
    pair.user.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sinceNap += chunk.length;
      if (sinceNap >= 16 * MiB) {
        sinceNap = 0;
        pair.user.pause();
        setTimeout(() => pair.user.resume(), 100);
      }
    });
    const hashing = once(pair.user, 'end').then(() => ({ sha256: hash.digest('hex'), bytes }));
    const digest = await serverSend(conn.ws, total, 11);
    conn.ws.close(1000);
    const end = await relayed;
    const got = await hashing;
    s.stop();
    t.diagnostic(`peak local writableLength ${s.max.localWritable} B; RSS growth ${((s.max.rss - rss0) / MiB).toFixed(1)} MiB`);
    assert.equal(end.bytesIn, total);
    assert.equal(got.bytes, total);
    assert.equal(got.sha256, digest);
    assert.equal(s.max.wsPaused, 1, 'the relay paused the WebSocket while the reader napped');
    assert.ok(s.max.localWritable <= BOUND, `local writableLength peaked at ${s.max.localWritable}`);
  } finally {
    await pair.close();
  }
});

test('64 MiB each way at once, varied chunk sizes: SHA-256 equal both ways, frames within limits', async () => {
  const { ws, conn } = await open();
  const pair = await tcpPair();
  try {
    const total = 64 * MiB;
    const received = serverReceive(conn.ws);
    const relayed = relay(ws, pair.local);
    const toUser = hashStream(pair.user);
    const source = randomSource(total, 5);
    // The user does not end its side: the endpoint closes once it has everything.
    const upload = new Promise<void>((resolve, reject) => {
      source.on('error', reject);
      source.on('data', (c: Buffer) => { if (!pair.user.write(c)) { source.pause(); pair.user.once('drain', () => source.resume()); } });
      source.on('end', resolve);
    });
    const [digestDown] = await Promise.all([serverSend(conn.ws, total, 9), upload]);
    // Once the relay has read all the user sent, it is on its way; the endpoint closes normally
    // (our data still in flight is delivered before its close handshake completes).
    await until(() => pair.local.bytesRead >= total, () => `all ${total} bytes read locally (${pair.local.bytesRead})`, { everyMs: 10 });
    conn.ws.close(1000);
    const [end, down, up] = await Promise.all([relayed, toUser, received]);
    assert.equal(end.endedBy, 'remote');
    assert.deepEqual([end.bytesIn, end.bytesOut], [total, total]);
    assert.deepEqual(down, { sha256: digestDown, bytes: total });
    assert.deepEqual(up, { sha256: source.digest(), bytes: total });
    assertDataFrames(conn);
  } finally {
    await pair.close();
  }
});

test('one huge local write (48 MiB in a single chunk) to a stalled endpoint queues at most 1 MiB and a frame', async () => {
  const { ws, conn } = await open();
  conn.ws.pause();
  const received = serverReceive(conn.ws);
  const readable = new PassThrough({ highWaterMark: 64 * MiB });
  const writable = new PassThrough();
  writable.resume();
  const relayed = relay(ws, { readable, writable });
  const big = randomBytes(48 * MiB);
  readable.write(big);
  await new Promise((r) => setTimeout(r, 300)); // time passing on purpose: the queue must not grow meanwhile
  assert.ok(ws.bufferedAmount <= SEND_HIGH_WATER + 65_000 + 64, `ws queue ${ws.bufferedAmount}`);
  const s = sampler(() => ({ wsBuffered: ws.bufferedAmount }));
  conn.ws.resume();
  readable.end();
  await relayed;
  s.stop();
  assert.ok(s.max.wsBuffered <= SEND_HIGH_WATER + 65_000 + 64, `ws queue peaked at ${s.max.wsBuffered}`);
  const got = await received;
  assert.equal(got.bytes, big.length);
  assert.equal(got.sha256, createHash('sha256').update(big).digest('hex'));
  assertDataFrames(conn);
});
