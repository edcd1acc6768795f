// needs: openssl sshd ssh ssh-keygen scp sftp
// Plain OpenSSH tools with the user's own key, through eic: `eic tunnel --push-key` pushes the
// key (made here by ssh-keygen, found as ~/.ssh/id_ed25519.pub) as each connection's tunnel
// opens, so ssh, scp and sftp pointed at the local port log in; `eic push-key` pushes it once
// for a tool eic does not start (here ssh straight to the instance's sshd).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../src/sandbox/index.js';
import { eicEnv, finished, runEic, sha256, startEicTunnel, startKeyedSandbox, type Finished, type SshClientKit } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let kit: SshClientKit;
let home: { home: string; cleanup(): void };
let id: string;
let close: (() => Promise<void>) | undefined;

before(async () => {
  ({ sb, kit, home, id, close } = await startKeyedSandbox());
});
after(async () => { await close?.(); });

function run(cmd: string, args: string[], input?: Buffer): Promise<Finished> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end(input);
  return done;
}

test('eic tunnel --push-key: ssh, scp and sftp log in through the port with their own key', async () => {
  assert.deepEqual(sb.keys.active(id, 'ec2-user'), [], 'no key pushed before');
  const tunnel = await startEicTunnel(['tunnel', id, '--local-port', '0', '--push-key'], eicEnv(sb, home.home));
  try {
    const port = String(tunnel.port);
    const ssh = await run('ssh', [...kit.sshOptions(id), '-p', port, 'ec2-user@127.0.0.1', 'echo via tunnel as $(id -un)']);
    assert.equal(ssh.code, 0, ssh.stderr + tunnel.stderr());
    assert.equal(ssh.stdout.toString(), 'via tunnel as ec2-user\n');
    assert.deepEqual(sb.keys.active(id, 'ec2-user'), [kit.publicKey]);

    const data = randomBytes(256 * 1024 + 3);
    const local = join(kit.dir, 'up.bin');
    writeFileSync(local, data);
    const remote = `eic-tunnel-push-${process.pid}.bin`;
    const scp = await run('scp', [...kit.sshOptions(id), '-P', port, local, `ec2-user@127.0.0.1:${remote}`]);
    assert.equal(scp.code, 0, scp.stderr + tunnel.stderr());

    const back = join(kit.dir, 'back.bin');
    const sftp = await run('sftp', [...kit.sshOptions(id), '-P', port, '-b', '-', 'ec2-user@127.0.0.1'], Buffer.from(`get ${remote} ${back}\nrm ${remote}\n`));
    assert.equal(sftp.code, 0, sftp.stderr + tunnel.stderr());
    assert.equal(await sha256(readFileSync(back)), await sha256(data));
    // One push per connection: three tools, three connections.
    assert.equal(tunnel.stderr().match(/connection \d+ from .* opened/g)?.length, 3, tunnel.stderr());
  } finally {
    await tunnel.stop();
  }
});

test('eic tunnel --push-key with --remote-port 3389 is a usage error, before any AWS call', async () => {
  const r = await runEic(['tunnel', id, '--local-port', '0', '--push-key', '--remote-port', '3389', '--region', 'nowhere-1'], eicEnv(sb, home.home));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^eic: --push-key is for SSH \(--remote-port 22\), not port 3389/);
});

test('eic push-key pushes once, for ssh that eic does not start; user@ names the OS user', async () => {
  // Another instance than the tunnel's, where no key has been pushed yet.
  const other = 'i-0123456789abcdef1';
  const addr = sb.instanceAddress(other)!;
  const direct = () => run('ssh', [...kit.sshOptions(other), '-p', String(addr.port), `ec2-user@${addr.host}`, 'echo direct']);
  const before = await direct();
  assert.equal(before.code, 255);
  assert.match(before.stderr, /Permission denied \(publickey\)/);
  const r = await runEic(['push-key', `ec2-user@${other}`], eicEnv(sb, home.home));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`pushed .*id_ed25519\\.pub for ec2-user@${other}; log in within 60 s`));
  assert.deepEqual(sb.keys.active(other, 'ec2-user'), [kit.publicKey]);
  const ssh = await direct();
  assert.equal(ssh.code, 0, ssh.stderr);
  assert.equal(ssh.stdout.toString(), 'direct\n');
});

test('eic push-key with a file that is not a public key says so (exit 2)', async () => {
  const bogus = join(kit.dir, 'notes.pub');
  writeFileSync(bogus, 'hello\n');
  const r = await runEic(['push-key', id, '--public-key', bogus], eicEnv(sb, home.home));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^eic: .*notes\.pub is not an OpenSSH public key/);
});
