// needs: openssl
// tunnelStream(): the tunnel as a Duplex (what ssh2 gets as `sock`), over real TLS. Same rules
// as relay(): exact bytes both ways, frames within limits, backpressure through the stream,
// end() closes with 1000, endpoint failures destroy the stream with the EicError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { EicError } from '../src/errors.js';
import { SEND_HIGH_WATER, tunnelStream } from '../src/tunnel/relay.js';
import { collect, hashStream, randomSource, serverReceive, serverSend } from './helpers/byte-streams.js';
import { useTunnelEndpoint } from './helpers/endpoint-fixture.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;
const open = useTunnelEndpoint();

test('16 MiB each way through the Duplex with equal SHA-256; end() closes with 1000', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  const received = serverReceive(conn.ws);
  const source = randomSource(16 * MiB, 21);
  const down = hashStream(stream);
  const digest = await serverSend(conn.ws, 16 * MiB, 22);
  await pipeline(source, stream); // ends the stream: close frame after the data
  assert.deepEqual(await received, { sha256: source.digest(), bytes: 16 * MiB });
  assert.equal((await conn.closed).code, 1000);
  assert.deepEqual(await down, { sha256: digest, bytes: 16 * MiB });
  assert.equal(stream.bytesOut, 16 * MiB);
  const data = conn.frames.filter((f) => f.opcode === 0x2);
  assert.ok(data.every((f) => f.length > 0 && f.length <= 65_000), 'frames within 1..65,000 bytes');
  assert.equal(conn.frames.filter((f) => f.opcode === 0x1 || f.opcode === 0x0).length, 0);
});

test('a stalled endpoint holds back writes: they stop completing and the queue stays bounded', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  conn.ws.pause();
  const received = serverReceive(conn.ws);
  const chunk = Buffer.alloc(64 * 1024, 7);
  let accepted = 0;
  // Write as fast as the stream allows; stop when 'drain' has not come for 300 ms.
  for (;;) {
    const more = stream.write(chunk);
    accepted += chunk.length;
    if (more) continue;
    const drained = await Promise.race([once(stream, 'drain').then(() => true), new Promise((r) => setTimeout(r, 300, false))]);
    if (!drained) break;
  }
  assert.ok(accepted < 32 * MiB, `the stream took ${accepted} bytes from a stalled tunnel`);
  assert.ok(ws.bufferedAmount <= SEND_HIGH_WATER + 2 * 65_536, `ws queue ${ws.bufferedAmount}`);
  assert.ok(stream.writableLength <= 2 * chunk.length, `stream queue ${stream.writableLength}`);
  conn.ws.resume();
  stream.end();
  assert.equal((await received).bytes, accepted);
});

test('a slow consumer pauses the WebSocket (push() backpressure)', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  const sending = serverSend(conn.ws, 32 * MiB, 23);
  await until(() => ws.isPaused, 'the stream to pause the WebSocket');
  assert.ok(stream.readableLength <= 4 * MiB, `readable buffer ${stream.readableLength}`);
  const got = hashStream(stream);
  const digest = await sending;
  conn.ws.close(1000);
  assert.deepEqual(await got, { sha256: digest, bytes: 32 * MiB });
});

test('the endpoint closing with 4000 destroys the stream with the reason; earlier bytes are readable', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  conn.ws.send(Buffer.from('partial'));
  conn.ws.close(4000, 'Unable to connect to target');
  const [err] = await once(stream, 'error');
  assert.ok(err instanceof EicError);
  assert.equal(err.code, 'tunnel-closed');
  assert.match(err.message, /Unable to connect to target \(code 4000\)/);
  assert.equal(Buffer.concat(chunks).toString(), 'partial');
});

test('a text frame destroys the stream with "received invalid data"', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  stream.resume();
  conn.ws.send('text is not allowed');
  const [err] = await once(stream, 'error');
  assert.equal((err as EicError).code, 'tunnel-invalid-data');
});

test('the endpoint closing 1000 ends the readable side and finishes the writable side', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  const got = collect(stream);
  conn.ws.send(Buffer.from('bye'));
  conn.ws.close(1000);
  assert.equal((await got).toString(), 'bye');
  if (!stream.closed) await once(stream, 'close'); // no half-close: the writable side ended too
  assert.equal(stream.writableFinished, true);
  assert.equal(stream.errored, null);
});

test('destroy() without an error closes the tunnel politely (1000)', async () => {
  const { ws, conn } = await open();
  const stream = tunnelStream(ws);
  stream.write('x');
  stream.destroy();
  assert.equal((await conn.closed).code, 1000);
});
