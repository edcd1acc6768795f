/**
 * -D: the SOCKS5 server over a real sshd, driven by real curl: domain names (resolved on the
 * instance side with --socks5-hostname), IPv4 and IPv6 literals; plus the protocol's error
 * replies (refused target, unsupported command) checked byte by byte.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { silentLogger } from '../src/log.js';
import { parseDynamicForward, startForwarding, type Forwarding } from '../src/ssh/forwarding.js';
import { freePort } from './helpers/sshd.js';
import { directSsh, type DirectSsh } from './helpers/ssh-direct.js';
import { needs } from './helpers/tools.js';

const run = promisify(execFile);

async function httpServer(host: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${host} ${req.url} host=${req.headers.host}`);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Raw SOCKS5 exchange: greeting, one request, and the 10-byte reply. */
function socksExchange(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 12) { s.destroy(); resolve(buf.subarray(2, 12)); }
    });
    s.on('close', () => resolve(buf.subarray(2)));
    s.on('error', reject);
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([5, 1, 0]), request])));
  });
}

describe('-D spec parsing', () => {
  it('reads [bind:]port', () => {
    assert.deepEqual(parseDynamicForward('1080'), { bindHost: '127.0.0.1', bindPort: 1080 });
    assert.deepEqual(parseDynamicForward('[::1]:1080'), { bindHost: '::1', bindPort: 1080 });
    assert.throws(() => parseDynamicForward('a:b:c'));
    assert.throws(() => parseDynamicForward('99999'));
  });
});

describe('-D SOCKS5 through a real sshd', needs('sshd', 'ssh-keygen', 'curl'), () => {
  let ssh: DirectSsh;
  let fwd: Forwarding;
  let socksPort: number;
  let v4: { port: number; close(): Promise<void> };
  let v6: { port: number; close(): Promise<void> };

  before(async () => {
    ssh = await directSsh();
    fwd = await startForwarding(ssh.client, [], [{ bindHost: '127.0.0.1', bindPort: 0 }], silentLogger);
    socksPort = fwd.forwards[0].listener.port;
    v4 = await httpServer('127.0.0.1');
    v6 = await httpServer('::1');
  });
  after(async () => {
    await fwd.close();
    await v4.close();
    await v6.close();
    await ssh.close();
  });

  it('connects to a domain name resolved on the instance side (curl --socks5-hostname)', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${socksPort}`, `http://localhost:${v4.port}/by-name`]);
    assert.equal(stdout, `hello from 127.0.0.1 /by-name host=localhost:${v4.port}`);
  });

  it('connects to an IPv4 literal', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--socks5', `127.0.0.1:${socksPort}`, `http://127.0.0.1:${v4.port}/v4`]);
    assert.equal(stdout, `hello from 127.0.0.1 /v4 host=127.0.0.1:${v4.port}`);
  });

  it('connects to an IPv6 literal', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--socks5', `127.0.0.1:${socksPort}`, `http://[::1]:${v6.port}/v6`]);
    assert.equal(stdout, `hello from ::1 /v6 host=[::1]:${v6.port}`);
  });

  it('answers "connection refused" when nothing listens on the instance side', async () => {
    const closed = await freePort();
    const port = Buffer.alloc(2);
    port.writeUInt16BE(closed, 0);
    const reply = await socksExchange(socksPort, Buffer.concat([Buffer.from([5, 1, 0, 1, 127, 0, 0, 1]), port]));
    assert.equal(reply[0], 5);
    assert.equal(reply[1], 0x05);
  });

  it('answers "command not supported" to BIND', async () => {
    const reply = await socksExchange(socksPort, Buffer.from([5, 2, 0, 1, 127, 0, 0, 1, 0, 80]));
    assert.deepEqual([...reply.subarray(0, 2)], [5, 0x07]);
  });

  it('refuses clients that offer only password authentication', async () => {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(socksPort, '127.0.0.1');
      let buf = Buffer.alloc(0);
      s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
      s.on('close', () => resolve(buf));
      s.on('error', reject);
      s.on('connect', () => s.write(Buffer.from([5, 1, 2])));
    });
    assert.deepEqual([...answer], [5, 0xff]);
  });
});
