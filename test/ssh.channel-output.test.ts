// channelOutput(): a channel's stdout gathered into one write per turn, stderr in between kept
// in order, backpressure from a slow writer back to the channel. The channel here is a plain
// Readable pair fed the way ssh2 feeds its channels (push() per packet, more on _read()); the
// writers are real: a file, and a TCP socket whose reader is slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { channelOutput, writesThrough, type OutputChannel } from '../src/ssh/channel-output.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A channel as ssh2 makes it: stdout and stderr Readables, filled with push(). */
function makeChannel(onRead: () => void = () => {}): OutputChannel {
  const stdout = new Readable({ read: onRead, highWaterMark: 2 * MiB });
  return Object.assign(stdout, { stderr: new Readable({ read() {} }) });
}

const tick = () => new Promise((r) => setImmediate(r));

async function openFile(): Promise<{ path: string; w: Writable; done(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-output-'));
  const path = join(dir, 'out');
  const w = createWriteStream(path);
  await once(w, 'ready'); // an fd from here on: the batching path
  return { path, w, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('writers on a file descriptor get batches; a stream in memory does not', async () => {
  const f = await openFile();
  try {
    assert.equal(writesThrough(f.w), true);
    assert.equal(writesThrough(new Socket()), true);
    assert.equal(writesThrough(new PassThrough()), false);
  } finally {
    f.w.destroy();
    f.done();
  }
});

test('stdout and stderr into one file keep the order they arrived in', async () => {
  const f = await openFile();
  try {
    const channel = makeChannel();
    const output = channelOutput(channel, f.w, f.w);
    await tick(); // both streams flowing, as ssh2's are by the time data comes
    // One turn's worth, interleaved: stdout is gathered for the turn, stderr is not.
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      channel.push(`out${i},`);
      expected.push(`out${i},`);
      if (i % 7 === 3) {
        channel.stderr.push(`ERR${i};`);
        expected.push(`ERR${i};`);
      }
    }
    channel.push(null);
    await once(channel, 'end');
    output.stop();
    f.w.end();
    await once(f.w, 'finish');
    assert.equal(readFileSync(f.path, 'utf8'), expected.join(''));
  } finally {
    f.done();
  }
});

test('64 MiB of 32 KiB packets arrive intact (SHA-256), in far fewer writes than packets', async () => {
  const f = await openFile();
  try {
    const channel = makeChannel();
    let writes = 0;
    const write = f.w.write.bind(f.w) as (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean;
    f.w.write = ((chunk: Buffer, cb?: (err?: Error | null) => void) => { writes++; return write(chunk, cb); }) as typeof f.w.write;
    const output = channelOutput(channel, f.w, new PassThrough());
    await tick();
    const hash = createHash('sha256');
    const packets = 2048;
    // Eight packets per turn, as a busy connection delivers them.
    for (let i = 0; i < packets; i++) {
      const p = randomBytes(32 * KiB);
      hash.update(p);
      channel.push(p);
      if (i % 8 === 7) await tick();
    }
    channel.push(null);
    await once(channel, 'end');
    output.stop();
    f.w.end();
    await once(f.w, 'finish');
    const got = readFileSync(f.path);
    assert.equal(got.length, packets * 32 * KiB);
    assert.equal(createHash('sha256').update(got).digest('hex'), hash.digest('hex'));
    assert.ok(writes <= packets / 4, `${writes} writes for ${packets} packets`);
  } finally {
    f.done();
  }
});

test('a slow reader pauses the channel; memory stays bounded and every byte arrives', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const sock = new Socket();
  sock.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(sock, 'connect');
  const [peer] = (await accepted) as [Socket];
  peer.pause();
  let sampler: NodeJS.Timeout | undefined;
  try {
    const total = 48 * MiB;
    const sent = createHash('sha256');
    let produced = 0;
    let paused = false;
    let maxQueued = 0;
    let maxBuffered = 0;
    // ssh2's way: push packets until push() says stop (its window), go on when _read() asks.
    const produce = () => {
      while (produced < total) {
        const p = randomBytes(32 * KiB);
        sent.update(p);
        produced += p.length;
        const more = channel.push(p);
        maxQueued = Math.max(maxQueued, sock.writableLength);
        maxBuffered = Math.max(maxBuffered, channel.readableLength);
        if (channel.isPaused()) paused = true;
        if (!more) return;
      }
      channel.push(null);
    };
    const channel = makeChannel(() => setImmediate(produce));
    const output = channelOutput(channel, sock, new PassThrough());
    sampler = setInterval(() => { maxQueued = Math.max(maxQueued, sock.writableLength); }, 1);
    channel.on('end', () => { output.stop(); sock.end(); });

    // Read slowly: 1 MiB every 20 ms at first, so the socket and then the channel fill up.
    const got = createHash('sha256');
    let received = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 20));
      let c: Buffer | null;
      let n = 0;
      while (n < MiB && (c = peer.read() as Buffer | null) !== null) {
        got.update(c);
        received += c.length;
        n += c.length;
      }
    }
    assert.ok(paused, 'the channel was never paused');
    assert.ok(received < total, 'the slow phase read everything');
    // Then at full speed.
    peer.on('data', (c: Buffer) => { got.update(c); received += c.length; });
    peer.resume();
    await once(peer, 'end');
    assert.equal(received, total);
    assert.equal(got.digest('hex'), sent.digest('hex'));
    // The socket's queue: its high-water mark plus about one batch; the channel: ssh2's window.
    assert.ok(maxQueued <= MiB, `socket queue reached ${maxQueued}`);
    assert.ok(maxBuffered <= 2 * MiB + 32 * KiB, `channel buffer reached ${maxBuffered}`);
  } finally {
    clearInterval(sampler);
    sock.destroy();
    peer.destroy();
    server.close();
  }
});
