/**
 * Byte-stream fixtures for relay tests: a real loopback TCP connection (one end for the relay,
 * one for the "user"), random payload sources that hash what they produce, and sinks that hash
 * what they receive.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import type { WebSocket } from 'ws';

export interface TcpPair {
  /** The end the relay gets (accepted by a server, like `eic tunnel` does). */
  local: net.Socket;
  /** The end a test drives, like ssh would. */
  user: net.Socket;
  close(): Promise<void>;
}

export async function tcpPair(opts: { allowHalfOpen?: boolean } = {}): Promise<TcpPair> {
  const server = net.createServer({ allowHalfOpen: opts.allowHalfOpen ?? false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const user = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [[local]] = await Promise.all([accepted, once(user, 'connect')]);
  user.on('error', () => {});
  return {
    local: local as net.Socket,
    user,
    close: async () => {
      user.destroy();
      (local as net.Socket).destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Chunk sizes that cover tiny writes, exact frame-size edges and chunks above 65,000. */
export function chunkSizes(seed = 1): () => number {
  const edges = [1, 2, 125, 126, 127, 65_535, 65_536, 64_999, 65_000, 65_001, 130_000, 130_001, 300_000];
  let i = seed;
  return () => {
    i = (i * 1103515245 + 12345) & 0x7fffffff;
    return i % 3 === 0 ? edges[i % edges.length] : 1 + (i % 200_000);
  };
}

/** A readable producing `total` random bytes in varied chunk sizes; `digest()` once it ended. */
export function randomSource(total: number, seed = 1): Readable & { produced: () => number; digest: () => string } {
  const hash = createHash('sha256');
  const next = chunkSizes(seed);
  let produced = 0;
  const r = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(next(), total - produced);
      const chunk = randomBytes(n);
      hash.update(chunk);
      produced += n;
      this.push(chunk);
    },
  });
  let digest: string | undefined;
  return Object.assign(r, {
    produced: () => produced,
    digest: () => (digest ??= hash.digest('hex')),
  });
}

/** Hash everything a readable yields until it ends. */
export async function hashStream(r: NodeJS.ReadableStream): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of r as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function collect(r: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of r as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Send `total` random bytes from a ws server connection in varied sizes, with backpressure. */
export async function serverSend(ws: WebSocket, total: number, seed = 7): Promise<string> {
  const hash = createHash('sha256');
  const next = chunkSizes(seed);
  let sent = 0;
  while (sent < total) {
    const n = Math.min(next(), total - sent);
    const chunk = randomBytes(n);
    hash.update(chunk);
    sent += n;
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      await new Promise<void>((resolve, reject) => ws.send(chunk, { binary: true }, (err) => (err ? reject(err) : resolve())));
    } else {
      ws.send(chunk, { binary: true });
    }
  }
  return hash.digest('hex');
}

/** Hash the binary messages a ws server connection receives until it closes. */
export function serverReceive(ws: WebSocket): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  ws.on('message', (data: Buffer) => {
    hash.update(data);
    bytes += data.length;
  });
  return new Promise((resolve) => ws.once('close', () => resolve({ sha256: hash.digest('hex'), bytes })));
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
