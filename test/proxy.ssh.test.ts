// needs: openssl sshd ssh ssh-keygen
// `eic proxy` as OpenSSH's ProxyCommand against the sandbox (real sshd, real TLS, real ssh):
// commands run, targets by id and by Name, several sessions at once (64 MiB each way intact is
// tunnel.bulk-integrity's, in the slow tier);
// a tunnel the endpoint closes with 1011 is explained on ssh's stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { eicEnv, finished, proxyCommand, useKeyedSandbox, type Finished } from './helpers/tunnel-harness.js';

const k = useKeyedSandbox();

/** ssh through `eic proxy` as ec2-user@target, running `command` with `input` on its stdin. */
async function sshVia(target: string, instanceId: string, command: string, input?: Buffer): Promise<Finished> {
  const child = spawn('ssh', [...k.kit.sshOptions(instanceId), '-o', `ProxyCommand=${proxyCommand()}`, `ec2-user@${target}`, command], {
    env: eicEnv(k.sb, k.home.home), stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin!.end(input);
  return done;
}

test('ssh with ProxyCommand eic proxy runs a command on the instance, by id and by Name tag', async () => {
  const id = k.sb.env.EIC_SANDBOX_INSTANCE;
  await k.kit.push(id);
  const byId = await sshVia(id, id, 'echo hello from $(id -un)');
  assert.equal(byId.code, 0, byId.stderr);
  assert.equal(byId.stdout.toString(), 'hello from ec2-user\n');
  assert.equal(byId.stderr, '', 'eic proxy is silent on stderr without -v');

  const name = k.sb.config.instances.find((i) => i.id === id)!.name!;
  const byName = await sshVia(name, id, 'echo $((6 * 7))');
  assert.equal(byName.code, 0, byName.stderr);
  assert.equal(byName.stdout.toString(), '42\n');
});

test('several ssh sessions through eic proxy at once, each with its own tunnel', async () => {
  const id = k.sb.env.EIC_SANDBOX_INSTANCE;
  await k.kit.push(id);
  const runs = await Promise.all([1, 2, 3, 4].map((n) => sshVia(id, id, `sleep 0.5; echo session ${n}`)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), `session ${i + 1}\n`);
  });
});

test('a tunnel closed with 1011 "Unable to connect to target": ssh shows eic\'s line with the reason, before its own', async () => {
  const id = k.sb.env.EIC_SANDBOX_INSTANCE;
  // Nothing listens on 3389 on the sandbox instance: the endpoint opens the tunnel and closes it.
  const child = spawn('ssh', [...k.kit.sshOptions(id), '-p', '3389', '-o', `ProxyCommand=${proxyCommand()}`, `ec2-user@${id}`, 'true'], {
    env: eicEnv(k.sb, k.home.home), stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin!.end();
  const r = await done;
  assert.equal(r.code, 255);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^eic: tunnel closed by the endpoint: Unable to connect to target \(code 1011\)/);
  assert.equal(lines.filter((l) => l.startsWith('eic: ')).length, 1, `told once: ${r.stderr}`);
});
