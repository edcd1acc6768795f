// needs: openssl sshd ssh-keygen
/**
 * -L over one ssh connection to a real sshd: many local connections, each its own channel,
 * reach a TCP service on the instance side intact; half-close works both ways; a refused
 * target port closes the local connection; a spec is parsed like OpenSSH's.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isEicError, type EicError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { parseLocalForward, startLocalForward } from '../src/ssh/forward-local.js';
import { freePort } from './helpers/sshd.js';
import { directSsh, hashServer, roundTrip, type DirectSsh } from './helpers/ssh-direct.js';

describe('-L spec parsing', () => {
  it('reads the OpenSSH forms and binds to loopback by default', () => {
    assert.deepEqual(parseLocalForward('5432:db.internal:5432'), { bindHost: '127.0.0.1', bindPort: 5432, host: 'db.internal', hostPort: 5432 });
    assert.deepEqual(parseLocalForward('0.0.0.0:8080:10.0.0.5:80'), { bindHost: '0.0.0.0', bindPort: 8080, host: '10.0.0.5', hostPort: 80 });
    assert.deepEqual(parseLocalForward('[::1]:8080:[fd00::5]:80'), { bindHost: '::1', bindPort: 8080, host: 'fd00::5', hostPort: 80 });
    assert.deepEqual(parseLocalForward('*:9000:h:1'), { bindHost: '0.0.0.0', bindPort: 9000, host: 'h', hostPort: 1 });
    for (const bad of ['8080', '8080:host', 'x:host:80', '8080:host:0', '8080:host:70000', '1:2:3:4:5']) {
      assert.throws(() => parseLocalForward(bad), (err: EicError) => isEicError(err) && err.exitCode === 2 && /bad -L/.test(err.message), bad);
    }
  });
});

describe('-L through a real sshd', () => {
  let ssh: DirectSsh;
  before(async () => { ssh = await directSsh(); });
  after(async () => { await ssh.close(); });

  it('carries 50 concurrent connections intact over one ssh connection', async () => {
    const target = await hashServer();
    const fwd = await startLocalForward(ssh.client, { bindHost: '127.0.0.1', bindPort: 0, host: '127.0.0.1', hostPort: target.port }, silentLogger);
    try {
      assert.equal(fwd.host, '127.0.0.1');
      const payloads = Array.from({ length: 50 }, (_, i) => randomBytes(20_000 + i * 3_001));
      const answers = await Promise.all(payloads.map((p) => roundTrip(fwd.host, fwd.port, p)));
      answers.forEach((got, i) => assert.equal(got, createHash('sha256').update(payloads[i]).digest('hex'), `connection ${i}`));
    } finally {
      await fwd.close();
      await target.close();
    }
  });

  it('closes the local connection when the instance side refuses', async () => {
    const closedPort = await freePort();
    const fwd = await startLocalForward(ssh.client, { bindHost: '127.0.0.1', bindPort: 0, host: '127.0.0.1', hostPort: closedPort }, silentLogger);
    try {
      const result = await new Promise<string>((resolve) => {
        const s = connect(fwd.port, fwd.host);
        let got = '';
        s.on('data', (d) => { got += d; });
        s.on('close', () => resolve(`closed:${got}`));
        s.on('error', () => {});
      });
      assert.equal(result, 'closed:');
    } finally {
      await fwd.close();
    }
  });

  it('refuses a port already in use with a clear error', async () => {
    const first = await startLocalForward(ssh.client, { bindHost: '127.0.0.1', bindPort: 0, host: '127.0.0.1', hostPort: 1 }, silentLogger);
    try {
      await assert.rejects(startLocalForward(ssh.client, { bindHost: '127.0.0.1', bindPort: first.port, host: '127.0.0.1', hostPort: 1 }, silentLogger),
        (err: EicError) => isEicError(err) && err.code === 'port-in-use' && /already in use/.test(err.message));
    } finally {
      await first.close();
    }
  });
});
