// needs: openssl sshd ssh ssh-keygen
// `eic proxy --push-key`: plain ssh with the user's own key works through the ProxyCommand
// because eic pushes the public key (SendSSHPublicKey) while the tunnel opens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Sandbox } from '../src/sandbox/index.js';
import { eicEnv, finished, proxyCommand, runEic, startKeyedSandbox, tempHome, type Finished, type SshClientKit } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let kit: SshClientKit;
let home: { home: string; cleanup(): void };
let id: string;
let close: (() => Promise<void>) | undefined;

before(async () => {
  ({ sb, kit, home, id, close } = await startKeyedSandbox());
});
after(async () => { await close?.(); });

function ssh(proxyArgs: string, command: string, proxy = proxyCommand(proxyArgs)): Promise<Finished> {
  const child = spawn('ssh', [...kit.sshOptions(id), '-o', `ProxyCommand=${proxy}`, `ec2-user@${id}`, command], {
    env: eicEnv(sb, home.home), stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin!.end();
  return done;
}

test('without a pushed key the instance refuses the login', async () => {
  const r = await ssh('', 'true');
  assert.equal(r.code, 255);
  assert.match(r.stderr, /Permission denied \(publickey\)/);
});

test('--push-key pushes ~/.ssh/id_ed25519.pub for the ssh user (%r) and ssh logs in', async () => {
  const r = await ssh('--push-key --os-user %r ', 'echo pushed for $(id -un)');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'pushed for ec2-user\n');
  assert.deepEqual(sb.keys.active(id, 'ec2-user'), [kit.publicKey]);
});

test('options may follow the operands too, as ProxyCommand lines are written by hand', async () => {
  const r = await ssh('', 'echo after-operands', `${proxyCommand('')} --push-key --os-user %r`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'after-operands\n');
  assert.ok(sb.keys.active(id, 'ec2-user').includes(kit.publicKey));
});

test('--public-key names the file to push', async () => {
  const r = await ssh(`--public-key ${kit.keyPath}.pub `, 'echo explicit');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'explicit\n');
});

test('--push-key with no public key in ~/.ssh says how to make one', async () => {
  const empty = tempHome();
  try {
    const r = await runEic(['proxy', '--push-key', id], eicEnv(sb, empty.home));
    assert.equal(r.code, 255);
    assert.match(r.stderr, /^eic: no public key found in .*\.ssh \(id_ed25519\.pub, id_ecdsa\.pub, id_rsa\.pub\) \(create one with ssh-keygen -t ed25519, or name it: --public-key PATH\.pub\)\n$/);
  } finally {
    empty.cleanup();
  }
});

test('a refused push (a malformed OS user name) fails with SendSSHPublicKey\'s message', async () => {
  const r = await runEic(['proxy', '--push-key', '--os-user', '1nobody', id], eicEnv(sb, home.home));
  assert.equal(r.code, 255, r.stderr);
  assert.match(r.stderr, /^eic: SendSSHPublicKey/);
  assert.equal(r.stdout.length, 0);
});
