/**
 * An authenticated ssh2 connection to a test sshd over plain TCP (no tunnel), for tests of
 * the modules that work on a ready connection (forwarding, SOCKS5, remote commands).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { silentLogger } from '../../src/log.js';
import { createHostVerifier } from '../../src/ssh/host-verify.js';
import { generateSessionKey } from '../../src/ssh/keys.js';
import { connectSsh } from '../../src/ssh/session.js';
import { startSshd, type TestSshd } from './sshd.js';

export interface DirectSsh { sshd: TestSshd; client: Client; close(): Promise<void> }

export async function directSsh(): Promise<DirectSsh> {
  const key = generateSessionKey();
  const sshd = await startSshd([key.publicLine]);
  const dir = mkdtempSync(join(tmpdir(), 'eic-kh-'));
  try {
    const { client } = await connectSsh({
      sock: connect(sshd.port, sshd.host),
      username: 'ec2-user',
      keys: [key],
      hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'i-0direct', mode: 'accept-new', logger: silentLogger }),
      logger: silentLogger,
    });
    return {
      sshd, client,
      close: async () => {
        client.end();
        await sshd.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sshd.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A TCP server that answers each connection with sha256(everything received) once it ends. */
export async function hashServer(host = '127.0.0.1'): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { createHash } = await import('node:crypto');
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    const h = createHash('sha256');
    s.on('data', (d) => h.update(d));
    s.on('end', () => s.end(h.digest('hex')));
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    server, port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** Send `data` over a new connection to host:port, half-close, and return all that comes back. */
export function roundTrip(host: string, port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => { s.end(); resolve(Buffer.concat(chunks).toString()); });
    s.on('error', reject);
    s.on('connect', () => s.end(data));
  });
}
