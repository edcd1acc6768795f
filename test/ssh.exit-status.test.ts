/**
 * The remote exit status must survive a server that answers fast: confirmation, output, exit
 * status and close all in one TCP chunk (ssh2 parses a chunk in one go, before any await
 * resumes). OpenSSH's sshd packs them so tightly only now and then (under load), so the
 * server here is ssh2's own (a real SSH server implementation) with its socket corked.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { silentLogger } from '../src/log.js';
import { createHostVerifier } from '../src/ssh/host-verify.js';
import { generateSessionKey } from '../src/ssh/keys.js';
import { runRemote } from '../src/ssh/remote.js';
import { connectSsh } from '../src/ssh/session.js';
import { captureIo } from './helpers/ssh-io.js';

describe('exit status from a server that packs everything into one chunk', () => {
  let server: InstanceType<typeof ssh2.Server>;
  let tcp: Server;
  let socket: Socket | undefined;
  let port: number;
  let dir: string;
  const key = generateSessionKey();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eic-exit-'));
    const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          // Corked: the confirmation and everything after it leave in one write.
          socket!.cork();
          process.nextTick(() => socket!.uncork());
          const ch = acceptExec();
          const [out, code] = info.command.split(' ');
          // All in the same tick: one write burst, read as one chunk by the client.
          if (code === 'signal') {
            ch.write(`${out}\n`);
            ch.exit('TERM', false, '');
          } else {
            ch.write(`${out}\n`);
            ch.stderr.write('err\n');
            ch.exit(Number(code));
          }
          ch.end();
        });
      });
      client.on('error', () => {});
    });
    tcp = createServer((s) => { socket = s; server.injectSocket(s); });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    port = (tcp.address() as AddressInfo).port;
  });
  after(async () => {
    socket?.destroy();
    await new Promise<void>((r) => tcp.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every status, across many quick commands', async () => {
    const { client } = await connectSsh({
      sock: connect(port, '127.0.0.1'), username: 'ec2-user', keys: [key], logger: silentLogger,
      hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'i-0fast', mode: 'accept-new', logger: silentLogger }),
    });
    try {
      for (let i = 0; i < 40; i++) {
        const io = captureIo();
        const code = await runRemote(client, { command: `run${i} ${i % 7}`, pty: false, io, logger: silentLogger });
        assert.equal(code, i % 7, `command ${i}`);
        assert.equal(io.out(), `run${i}\n`);
        assert.equal(io.err(), 'err\n');
      }
      const io = captureIo();
      assert.equal(await runRemote(client, { command: 'killed signal', pty: false, io, logger: silentLogger }), 128 + 15);
    } finally {
      client.end();
    }
  });
});
