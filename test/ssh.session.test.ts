// needs: sshd ssh-keygen
/**
 * The ssh modules against a real OpenSSH sshd over a plain TCP socket: the session key
 * authenticates, a command's stdout, stderr and exit status come back apart, stdin reaches
 * the remote side with its EOF, and auth failures are clear EicErrors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EicError, isEicError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { createHostVerifier } from '../src/ssh/host-verify.js';
import { generateSessionKey, type ClientKey } from '../src/ssh/keys.js';
import { runRemote } from '../src/ssh/remote.js';
import { connectSsh } from '../src/ssh/session.js';
import { startSshd, type TestSshd } from './helpers/sshd.js';
import { captureIo } from './helpers/ssh-io.js';

describe('ssh session over a socket to a real sshd', () => {
  let sshd: TestSshd;
  let dir: string;
  let key: ClientKey;

  before(async () => {
    key = generateSessionKey();
    sshd = await startSshd([key.publicLine]);
    dir = mkdtempSync(join(tmpdir(), 'eic-ssh-session-'));
  });
  after(async () => {
    await sshd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (keys: ClientKey[], logLines: string[] = []) => {
    const logger = createLogger({ write: (l) => logLines.push(l) });
    return connectSsh({
      sock: connect(sshd.port, sshd.host),
      username: 'ec2-user',
      keys,
      hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'i-0session', mode: 'accept-new', logger }),
      logger,
    });
  };

  it('runs a command: stdout and stderr apart, exit status 3', async () => {
    const { client, negotiated } = await open([key]);
    try {
      assert.equal(negotiated?.cs.cipher, 'aes128-gcm@openssh.com');
      const io = captureIo();
      const code = await runRemote(client, { command: 'echo out-$((40+2)); echo err-line >&2; exit 3', pty: false, io, logger: createLogger({ write() {} }) });
      assert.equal(code, 3);
      assert.equal(io.out(), 'out-42\n');
      assert.equal(io.err(), 'err-line\n');
    } finally {
      client.end();
    }
  });

  it('passes stdin through with its EOF', async () => {
    const { client } = await open([key]);
    try {
      const data = Buffer.alloc(300_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
      const io = captureIo(data);
      const code = await runRemote(client, { command: 'sha256sum; wc -c', pty: false, io, logger: createLogger({ write() {} }) });
      assert.equal(code, 0);
      const { createHash } = await import('node:crypto');
      const want = createHash('sha256').update(data).digest('hex');
      // wc sees nothing left after sha256sum read to EOF: proves EOF arrived (else it would hang).
      assert.equal(io.out(), `${want}  -\n0\n`);
    } finally {
      client.end();
    }
  });

  it('reports a remote signal as 128+n', async () => {
    const { client } = await open([key]);
    try {
      const io = captureIo();
      const code = await runRemote(client, { command: 'kill -TERM $$', pty: false, io, logger: createLogger({ write() {} }) });
      assert.equal(code, 128 + 15);
    } finally {
      client.end();
    }
  });

  it('reports a stream that failed before the handshake, without an unhandled error', async () => {
    const dead = new PassThrough();
    dead.destroy(new EicError('tunnel-lost', 'tunnel connection lost'));
    const logger = createLogger({ write() {} });
    await assert.rejects(connectSsh({
      sock: dead, username: 'ec2-user', keys: [key], logger,
      hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'i-0session', mode: 'accept-new', logger }),
    }), (err) => isEicError(err) && err.code === 'tunnel-lost');
    // The stream's 'error' event comes a tick later; it must find a listener.
    await new Promise((r) => setImmediate(r));
  });

  it('refuses an unknown key with a clear error', async () => {
    const stranger = generateSessionKey();
    await assert.rejects(open([stranger]), (err) => {
      assert.ok(isEicError(err));
      assert.equal(err.code, 'ssh-auth-failed');
      assert.equal(err.kind, 'connection');
      assert.match(err.message, /permission denied for ec2-user/);
      return true;
    });
  });
});
