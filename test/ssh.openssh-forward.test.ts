// needs: openssl sshd ssh ssh-keygen
/**
 * The forwards OpenSSH users type, through the real CLI and the sandbox's sshd: -W as the
 * ProxyCommand of the real ssh client, reaching a second instance through the first (the way
 * to hosts without EC2 Instance Connect), and -R with a connection made on the instance side.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eicBin } from './helpers/paths.js';
import { finished, runEic, spawnEic, sshClientKit, useSandboxCli, type SshClientKit } from './helpers/tunnel-harness.js';

/** Resolves with the first capture of `pattern` in the child's stderr. */
function stderrMatch(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) { child.stderr!.off('data', onData); resolve(m[1]); }
    };
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`eic exited before ${pattern}: ${text}`)));
  });
}

describe('eic ssh -W and -R (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });
  let kit: SshClientKit;
  before(() => { kit = sshClientKit(cli.sb); });
  after(() => kit.cleanup());

  it('-W: plain ssh reaches a second instance through the first with ProxyCommand eic ssh -W %h:%p', async () => {
    const second = cli.sb.config.instances.find((i) => i.id !== cli.id && i.state === 'running' && cli.sb.instanceAddress(i.id))!;
    const addr = cli.sb.instanceAddress(second.id)!;
    await kit.push(second.id);
    const proxy = `${process.execPath} ${eicBin} ssh -q -W %h:%p ${cli.id}`;
    const ssh = spawn('ssh', [...kit.sshOptions(second.id), '-o', `ProxyCommand=${proxy}`, '-p', String(addr.port),
      `ec2-user@${addr.host}`, 'echo via-W'], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await finished(ssh);
    // ssh checked the host key under the second instance's id (HostKeyAlias) and logged in with
    // the key pushed for it alone: the first instance was only the way there.
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'via-W\n');
  });

  it('-W to a port nothing listens on fails with 255 and a line saying why', async () => {
    const r = await runEic(['ssh', '-W', '127.0.0.1:1', cli.id], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: stdio forwarding to 127\.0\.0\.1:1 failed: /m);
  });

  it('-R: a connection made on the instance side reaches a server here', async () => {
    const server: Server = createServer((sock) => sock.end('hello from this side\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const held = spawnEic(['ssh', '-N', '-R', `0:127.0.0.1:${port}`, cli.id], cli.env);
    const done = finished(held);
    try {
      const remotePort = await stderrMatch(held, /Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+/);
      const r = await runEic(['ssh', cli.id, 'bash', '-c', `'exec 3<>/dev/tcp/127.0.0.1/${remotePort}; cat <&3'`], cli.env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'hello from this side\n');
    } finally {
      held.kill('SIGTERM');
      await done;
      server.close();
    }
  });
});
