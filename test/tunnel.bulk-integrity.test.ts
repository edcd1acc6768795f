// needs: openssl sshd ssh ssh-keygen
// tier: slow (moves 256 MiB through real ssh: the bulk of the suite's byte counts, left out of npm run test:fast)
/**
 * 64 MiB each way, through `eic tunnel` (ssh to the local port) and through `eic proxy` (ssh's
 * ProxyCommand), arrive intact: the SHA-256 at one end equals the other's. The everyday paths
 * (commands, several sessions) are in tunnel.ssh and proxy.ssh, which the fast tier runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { eicEnv, finished, proxyCommand, sha256, startEicTunnel, useKeyedSandbox, type Finished } from './helpers/tunnel-harness.js';

const MiB = 1024 * 1024;
const k = useKeyedSandbox();

/** ssh as ec2-user, through `eic proxy` (`port` undefined) or to `eic tunnel`'s local port. */
function ssh(command: string, input: Buffer | undefined, port?: number): Promise<Finished> {
  const route = port === undefined
    ? ['-o', `ProxyCommand=${proxyCommand()}`, `ec2-user@${k.id}`]
    : ['-p', String(port), 'ec2-user@127.0.0.1'];
  const child = spawn('ssh', [...k.kit.sshOptions(k.id), ...route, command], { env: eicEnv(k.sb, k.home.home), stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end(input);
  return done;
}

/** Up: the instance's checksum of what it got equals ours. Down: ours of what came equals the instance's. */
async function bothWays(port?: number): Promise<void> {
  await k.kit.push(k.id);
  const data = randomBytes(64 * MiB);
  const up = await ssh('sha256sum', data, port);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout.toString().split(' ')[0], await sha256(data));

  await k.kit.push(k.id);
  const down = await ssh("bash -c 'head -c 64M /dev/urandom | tee >(sha256sum >&2)'", undefined, port);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout.length, 64 * MiB);
  const remote = /\b([0-9a-f]{64})\b/.exec(down.stderr)?.[1];
  assert.ok(remote, `no checksum on stderr: ${down.stderr}`);
  assert.equal(await sha256(down.stdout), remote);
}

test('64 MiB each way through eic tunnel arrive intact', async () => {
  const t = await startEicTunnel(['tunnel', k.id, '--local-port', '0'], eicEnv(k.sb, k.home.home));
  try {
    await bothWays(t.port);
  } finally {
    await t.stop();
  }
});

test('64 MiB each way through eic proxy arrive intact', async () => {
  await bothWays();
});
