// needs: openssl sshd ssh ssh-keygen
/**
 * `eic tunnel` across tunnel expiries (sandbox, real sshd and ssh): a connection whose tunnel
 * reaches --max-tunnel-duration ends alone, with a line saying why, and the listener keeps
 * serving: new connections get new tunnels and work. A dropped tunnel likewise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { eicEnv, finished, listeningPort, spawnEic, useKeyedSandbox, type Finished } from './helpers/tunnel-harness.js';

const k = useKeyedSandbox();

async function startTunnel(args: string[]) {
  const child = spawnEic(['tunnel', k.id, '--local-port', '0', ...args], eicEnv(k.sb, k.home.home));
  const done = finished(child);
  let err = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); for (const w of waiters) w(); });
  /** eic logs a connection's end when its relay finishes, which may be after the client saw it. */
  const until = (re: RegExp) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no ${re} in: ${err}`)); }, 30_000);
    const check = () => { if (re.test(err)) { clearTimeout(timer); waiters.delete(check); resolve(); } };
    waiters.add(check);
    check();
  });
  const port = await listeningPort(child, done);
  return { child, port, done, stderr: () => err, until };
}

async function ssh(port: number, command: string): Promise<Finished> {
  await k.kit.push(k.id);
  const child = spawn('ssh', [...k.kit.sshOptions(k.id), '-p', String(port), 'ec2-user@127.0.0.1', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end();
  return done;
}

test('a tunnel reaching --max-tunnel-duration ends only its connection; new connections work', async () => {
  const t = await startTunnel(['--max-tunnel-duration', '3']);
  try {
    // Outlives its tunnel: ssh loses the connection (255) after "started", never prints "never".
    const long = ssh(t.port, 'echo started; sleep 30; echo never');
    // Meanwhile, on the same listener, short ones work.
    const short = await ssh(t.port, 'echo short');
    assert.equal(short.code, 0, short.stderr);
    assert.equal(short.stdout.toString(), 'short\n');
    const ended = await long;
    assert.equal(ended.code, 255, ended.stderr);
    assert.equal(ended.stdout.toString(), 'started\n');
    // Both ssh clients start at once, so either may be eic's connection 1.
    await t.until(/connection \d+ (failed|closed)[^\n]*maxTunnelDuration/i);
    // After the expiry, the listener is still there and opens fresh tunnels.
    assert.equal(t.child.exitCode, null, t.stderr());
    const after = await ssh(t.port, 'echo after');
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout.toString(), 'after\n');
  } finally {
    t.child.kill('SIGTERM');
    assert.equal((await t.done).code, 143);
  }
});

test('a dropped tunnel ends only its connection; the next one works', async () => {
  const t = await startTunnel([]);
  try {
    // Cut the first tunnel once 64 kB went to the client: during the output below.
    k.sb.faults.set('*', { kind: 'drop', afterBytes: 64_000 }, { once: true });
    const cut = await ssh(t.port, 'head -c 2000000 /dev/zero');
    assert.equal(cut.code, 255, cut.stderr);
    assert.ok(cut.stdout.length < 2_000_000, `got ${cut.stdout.length} bytes`);
    await t.until(/connection 1 (failed|closed)/);
    const next = await ssh(t.port, 'head -c 2000000 /dev/zero | wc -c');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout.toString().trim(), '2000000');
  } finally {
    k.sb.faults.clear();
    t.child.kill('SIGTERM');
    assert.equal((await t.done).code, 143);
  }
});
