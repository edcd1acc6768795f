// needs: openssl sshd ssh ssh-keygen
// `eic tunnel` against the sandbox: real ssh through the local port (several at once; 64 MiB
// each way is tunnel.bulk-integrity's, in the slow tier), the per-connection log lines, the connection limit, failures of one connection
// that leave the listener serving, a port in use, and a clean stop on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import { eicEnv, finished, runEic, spawnEic, startEicTunnel, useKeyedSandbox, type Finished, type RunningTunnel } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

const k = useKeyedSandbox();
const endpointId = () => k.sb.config.endpoints[0].id;

/** Start `eic tunnel` and wait for its "Listening on" line. */
function startTunnel(args: string[]): Promise<RunningTunnel> {
  return startEicTunnel(['tunnel', k.id, '--local-port', '0', ...args], eicEnv(k.sb, k.home.home));
}

async function sshPort(port: number, command: string, input?: Buffer, host = '127.0.0.1'): Promise<Finished> {
  const child = spawn('ssh', [...k.kit.sshOptions(k.id), '-p', String(port), `ec2-user@${host}`, command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end(input);
  return done;
}

/** Resolves when `text` has appeared in the tunnel's stderr. */
async function stderrShows(t: RunningTunnel, pattern: RegExp): Promise<void> {
  await until(() => {
    if (t.child.exitCode !== null) throw new Error(`eic tunnel exited; stderr: ${t.stderr()}`);
    return pattern.test(t.stderr());
  }, () => `${pattern} on eic tunnel's stderr: ${t.stderr()}`);
}

test('ssh -p through eic tunnel runs commands, several sessions at once, each on its own tunnel', async () => {
  const t = await startTunnel([]);
  try {
    await k.kit.push(k.id);
    const runs = await Promise.all([1, 2, 3, 4].map((n) => sshPort(t.port, `sleep 0.5; echo tunnel ${n} as $(id -un)`)));
    runs.forEach((r, i) => {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), `tunnel ${i + 1} as ec2-user\n`);
    });
    await stderrShows(t, /(connection \d+ closed[^\n]*\n[^]*){4}/);
    assert.equal((t.stderr().match(/^connection \d+ from 127\.0\.0\.1:\d+ opened$/gm) ?? []).length, 4);
  } finally {
    const end = await t.stop();
    assert.equal(end.code, 143, end.stderr);
  }
});

test('--bind ::1 listens on IPv6 loopback and prints it in brackets', async () => {
  const t = await startTunnel(['--bind', '::1']);
  try {
    await k.kit.push(k.id);
    const r = await sshPort(t.port, 'echo over ipv6', undefined, '::1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'over ipv6\n');
    assert.match(t.stderr(), /^connection 1 from ::1:\d+ opened$/m);
  } finally {
    await t.stop();
  }
});

test('SIGTERM closes the listener and the open tunnels, says so, and eic exits 143 (128+15)', async () => {
  const t = await startTunnel([]);
  const sock = connect(t.port, '127.0.0.1');
  const banner = await once(sock, 'data');
  assert.match(String(banner[0]), /^SSH-2\.0-/);
  assert.equal(k.sb.activeTunnels(endpointId()), 1);
  const closed = once(sock, 'close');
  const end = await t.stop();
  await closed;
  assert.equal(end.code, 143, end.stderr);
  assert.match(end.stderr, /^eic tunnel: stopped by SIGTERM; closed the listener and 1 open tunnel\(s\)$/m);
  // The listener is gone and the endpoint has seen the tunnel end.
  await assert.rejects(new Promise((resolve, reject) => connect(t.port, '127.0.0.1').on('connect', resolve).on('error', reject)), /ECONNREFUSED/);
  await until(() => k.sb.activeTunnels(endpointId()) === 0, () => `the endpoint's tunnels to close (${k.sb.activeTunnels(endpointId())} open)`);
});

test('connections over --max-connections are refused with a message while the open one stays up', async () => {
  const t = await startTunnel(['--max-connections', '1']);
  try {
    const first = connect(t.port, '127.0.0.1');
    await once(first, 'data');
    const second = connect(t.port, '127.0.0.1');
    await once(second, 'close');
    await stderrShows(t, /refused connection from 127\.0\.0\.1:\d+: 1 tunnels already open \(--max-connections 1\)/);
    assert.equal(first.destroyed, false);
    assert.equal(k.sb.activeTunnels(endpointId()), 1);
    first.destroy();
  } finally {
    await t.stop();
  }
});

test('a refused or failed tunnel is reported for that connection and the listener keeps serving', async () => {
  const t = await startTunnel([]);
  try {
    k.sb.faults.set(endpointId(), { kind: 'refuse', status: 403, message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2-instance-connect:OpenTunnel' }, { once: true });
    const refused = connect(t.port, '127.0.0.1');
    refused.on('error', () => {}).resume();
    await once(refused, 'close');
    await stderrShows(t, /connection 1 failed: .*not authorized to perform: ec2-instance-connect:OpenTunnel/);

    k.sb.faults.set(endpointId(), { kind: 'close-after', bytes: 10, code: 1008, reason: 'Tunnel max duration reached' }, { once: true });
    const expired = connect(t.port, '127.0.0.1');
    expired.on('error', () => {}).resume();
    await once(expired, 'close');
    await stderrShows(t, /connection 2 failed: .*Tunnel max duration reached/);

    await k.kit.push(k.id);
    const ok = await sshPort(t.port, 'echo still serving');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.toString(), 'still serving\n');
  } finally {
    await t.stop();
  }
});

test('a local port in use is an immediate error, before any AWS call', async () => {
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as AddressInfo).port;
    // EC2 unreachable: had eic called AWS first, the error would be about that.
    const r = await runEic(['tunnel', k.id, '--local-port', String(port)], eicEnv(k.sb, k.home.home, { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1' }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use \\(pick another --local-port, or --local-port 0 for a free one\\)`));
  } finally {
    busy.close();
  }
});

test('a discovery error ends eic tunnel with that error and no listener left behind', async () => {
  const r = await runEic(['tunnel', 'i-0123456789abcdef9', '--local-port', '0'], eicEnv(k.sb, k.home.home));
  assert.equal(r.code, 1);
  assert.equal(r.stdout.length, 0, 'no Listening line');
  assert.match(r.stderr, /^eic: no instance with id i-0123456789abcdef9 in us-east-1/m);
});

test('--max-connections above the endpoint limit of 20 is refused with a hint', async () => {
  const r = await runEic(['tunnel', k.id, '--local-port', '0', '--max-connections', '21'], eicEnv(k.sb, k.home.home));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-connections 21 is above the endpoint's limit of 20 concurrent tunnels \(use at most 20/);
});


