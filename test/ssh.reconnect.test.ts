// needs: openssl sshd
// tier: slow (over 20 s: left out of npm run test:fast)
/**
 * `eic ssh -N -L` as a real process through the sandbox when its tunnel ends: after the
 * endpoint's maxTunnelDuration or a dropped connection it reconnects and the same local port
 * forwards again (the connection in flight ends); --no-reconnect exits 255 naming
 * maxTunnelDuration; refusals that will not pass make it give up; a busy endpoint is retried;
 * Ctrl-C while it waits to reconnect exits 0. Without -N (a command, a terminal) a lost tunnel
 * ends eic with 255 and the reason.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, finished, runEic, spawnEic, tempHome, type Finished } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

/** Everything eic writes to stderr, and a way to wait for a line to appear in it. */
function watchStderr(child: ChildProcess) {
  let text = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); for (const w of waiters) w(); });
  let exited = false;
  child.once('exit', () => { exited = true; for (const w of waiters) w(); });
  return {
    text: () => text,
    until(re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${re}; stderr: ${text}`)); }, timeoutMs);
        const check = () => {
          const m = re.exec(text);
          if (m) { clearTimeout(timer); waiters.delete(check); resolve(m); } else if (exited) {
            clearTimeout(timer); waiters.delete(check); reject(new Error(`eic exited before ${re}; stderr: ${text}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** An open connection to the echo service through the forward, with what came back so far. */
async function openEcho(port: number): Promise<{ sock: Socket; received: () => Buffer; closed: Promise<void> }> {
  const sock = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  return { sock, received: () => Buffer.concat(chunks), closed };
}

/** Send `data` and wait until it has all come back. */
async function echoes(port: number, data: Buffer): Promise<Buffer> {
  const c = await openEcho(port);
  c.sock.write(data);
  await new Promise<void>((resolve, reject) => {
    const check = () => { if (c.received().length >= data.length) resolve(); };
    c.sock.on('data', check);
    c.closed.then(() => reject(new Error(`closed after ${c.received().length} of ${data.length} bytes`)));
  });
  c.sock.destroy();
  return c.received();
}

/** Echo through the -D SOCKS5 proxy: no-auth greeting, CONNECT 127.0.0.1:port, then the data. */
async function socksEchoes(socksPort: number, port: number, data: Buffer): Promise<Buffer> {
  const c = await openEcho(socksPort);
  const want = async (n: number) => {
    await new Promise<void>((resolve, reject) => {
      const check = () => { if (c.received().length >= n) { c.sock.off('data', check); resolve(); } };
      c.sock.on('data', check);
      c.closed.then(() => reject(new Error(`SOCKS proxy closed after ${c.received().length} bytes`)));
      check();
    });
  };
  c.sock.write(Buffer.from([5, 1, 0]));
  await want(2);
  c.sock.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]));
  await want(12);
  assert.deepEqual([...c.received().subarray(0, 4)], [5, 0, 5, 0], 'greeting accepted, CONNECT succeeded');
  c.sock.write(data);
  await want(12 + data.length);
  c.sock.destroy();
  return c.received().subarray(12);
}

/**
 * Listen on `port` on every loopback address sshd binds for a -R with no address (127.0.0.1,
 * and ::1 where there is IPv6), once the old sshd session has let go of them.
 */
async function holdLoopbackPort(port: number): Promise<Server[]> {
  const held: Server[] = [];
  for (const host of ['127.0.0.1', '::1']) {
    await until(async () => {
      const server = createServer((s) => s.destroy());
      const code = await new Promise<string | undefined>((resolve) => {
        server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        server.listen(port, host, () => resolve(undefined));
      });
      if (code === undefined) held.push(server);
      else if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') throw new Error(`cannot hold ${host}:${port}: ${code}`);
      // EADDRNOTAVAIL, EAFNOSUPPORT: no IPv6 here, nothing to hold.
      return code !== 'EADDRINUSE';
    }, `the old sshd session to let go of ${host}:${port}`);
  }
  return held;
}

describe('eic ssh -N -L across tunnel ends (sandbox, real sshd)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let env: NodeJS.ProcessEnv;
  let id: string;
  let echo: Server;
  let echoPort: number;
  const echoSockets = new Set<Socket>();
  let child: ChildProcess | undefined;
  let done: Promise<Finished> | undefined;

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    home = tempHome();
    env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts') });
    id = sb.env.EIC_SANDBOX_INSTANCE;
    // The instance's sshd is on this machine's loopback: a service "on the instance" is one here.
    echo = createServer((s) => { echoSockets.add(s); s.on('close', () => echoSockets.delete(s)); s.on('error', () => {}); s.pipe(s); });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as { port: number }).port;
  });
  afterEach(async () => {
    sb.faults.clear();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await done?.catch(() => {});
    child = undefined;
    done = undefined;
  });
  after(async () => {
    for (const s of echoSockets) s.destroy();
    await new Promise<void>((r) => echo.close(() => r()));
    await sb.close();
    home.cleanup();
  });

  /** Start eic ssh -N -L 0:127.0.0.1:<echo>; resolves with the local port once it forwards. */
  async function startForwarding(extra: string[]) {
    child = spawnEic(['ssh', id, '-N', '-L', `0:127.0.0.1:${echoPort}`, ...extra], env);
    done = finished(child);
    const err = watchStderr(child);
    const port = Number((await err.until(/Forwarding 127\.0\.0\.1:(\d+) ->/))[1]);
    await err.until(/Forwarding only \(-N\)/);
    return { port, err, child, done: done! };
  }

  it('reconnects after maxTunnelDuration and forwards again on the same local ports (-L and -D)', async () => {
    const { port, err, child: c, done: d } = await startForwarding(['--max-tunnel-duration', '5', '-D', '127.0.0.1:0']);
    const socksPort = Number((await err.until(/SOCKS5 proxy on 127\.0\.0\.1:(\d+)/))[1]);
    const hello = randomBytes(10_000);
    assert.deepEqual(await echoes(port, hello), hello);
    assert.deepEqual(await socksEchoes(socksPort, echoPort, hello), hello);
    // A connection left open through the first tunnel ends with it.
    const inFlight = await openEcho(port);
    inFlight.sock.write('ping');
    await err.until(/tunnel ended: the endpoint's maxTunnelDuration \(5 s\) was reached; reconnecting…/);
    await err.until(/reconnected \(attempt 1\)/);
    await inFlight.closed;
    const again = randomBytes(200_000);
    assert.deepEqual(await echoes(port, again), again);
    assert.deepEqual(await socksEchoes(socksPort, echoPort, again), again);
    c.kill('SIGINT');
    const r = await d;
    assert.equal(r.code, 255, r.stderr);
  });

  it('with --no-reconnect exits 255 naming maxTunnelDuration', async () => {
    const { port, done: d } = await startForwarding(['--max-tunnel-duration', '3', '--no-reconnect']);
    const hello = Buffer.from('before the end');
    assert.deepEqual(await echoes(port, hello), hello);
    const r = await d;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, new RegExp(`^eic: the session with ${id} ended: the tunnel reached its maximum duration of 3 s \\(--max-tunnel-duration\\) \\(the endpoint ends every tunnel after its maxTunnelDuration`, 'm'));
    assert.doesNotMatch(r.stderr, /reconnect(ing|ed)/);
  });

  it('reconnects after the tunnel drops without a close frame', async () => {
    // The first tunnel is cut once 40 kB have gone to the client: past the SSH login, during the transfer below.
    sb.faults.set('*', { kind: 'drop', afterBytes: 40_000 }, { once: true });
    const keysBefore = new Set(sb.keys.active(id, 'ec2-user'));
    const { port, err, child: c, done: d } = await startForwarding([]);
    const big = randomBytes(400_000);
    await assert.rejects(echoes(port, big), /closed after \d+ of 400000 bytes/);
    const ended = await err.until(/tunnel ended: (.*); reconnecting…/);
    assert.doesNotMatch(ended[1], /maxTunnelDuration/);
    await err.until(/reconnected \(attempt 1\)/);
    // Each connection pushed its own fresh key.
    assert.equal(sb.keys.active(id, 'ec2-user').filter((k) => !keysBefore.has(k)).length, 2);
    assert.deepEqual(await echoes(port, big), big);
    c.kill('SIGTERM');
    assert.equal((await d).code, 255);
  });

  it('asks for the -R listener again after a reconnect, until the server lets go of the port', async () => {
    // The first tunnel is cut once 40 kB have gone to the client (during the transfer below);
    // the next ones are refused (busy, retried) until the port is held here in the old session's place.
    sb.faults.set('*', { kind: 'drop', afterBytes: 40_000 }, { once: true });
    sb.faults.set('*', { kind: 'refuse', status: 503, message: 'busy' });
    child = spawnEic(['ssh', id, '-N', '-R', `0:127.0.0.1:${echoPort}`], env);
    done = finished(child);
    const err = watchStderr(child);
    // The instance's sshd is on this machine's loopback: its listener is one here.
    const remotePort = Number((await err.until(/Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+/))[1]);
    await err.until(/Forwarding only \(-N\)/);
    const hello = randomBytes(1_000);
    assert.deepEqual(await echoes(remotePort, hello), hello);
    const big = randomBytes(400_000);
    await assert.rejects(echoes(remotePort, big), /closed after \d+ of 400000 bytes/);
    await err.until(/warning: reconnect attempt 1 failed: OpenTunnel refused/);
    // As a server that has not yet seen the old session end: the port is taken when eic asks.
    const holders = await holdLoopbackPort(remotePort);
    sb.faults.clear();
    await err.until(/reconnected \(attempt \d+\)/);
    await err.until(new RegExp(`warning: remote port forwarding failed for listen port ${remotePort}`));
    await Promise.all(holders.map((h) => new Promise<void>((r) => h.close(() => r()))));
    await err.until(new RegExp(`remote forward on port ${remotePort} restored`));
    assert.deepEqual(await echoes(remotePort, big), big);
    child.kill('SIGTERM');
    assert.equal((await done).code, 255);
  });

  it('backs off when connections keep dying young, from the second in a row', async () => {
    // Every tunnel is cut once 40 kB have gone to the client (past the login): each transfer kills one.
    sb.faults.set('*', { kind: 'drop', afterBytes: 40_000 });
    const { port, err, child: c, done: d } = await startForwarding([]);
    const big = randomBytes(200_000);
    await assert.rejects(echoes(port, big), /closed after/);
    await err.until(/tunnel ended: [^\n]+; reconnecting…\nreconnected \(attempt 1\)\n/);
    await assert.rejects(echoes(port, big), /closed after/);
    await err.until(/reconnected \(attempt 1\)\n[^]*tunnel ended: [^\n]+; reconnecting in 1 s…\nreconnected \(attempt 1\)\n/);
    sb.faults.clear();
    await assert.rejects(echoes(port, big), /closed after/); // this tunnel was opened under the fault
    await err.until(/reconnecting in 2 s…\nreconnected \(attempt 1\)\n/);
    assert.deepEqual(await echoes(port, big), big);
    c.kill('SIGINT');
    assert.equal((await d).code, 255);
  });

  it('retries a busy endpoint, and gives up on refusals that will not pass', async () => {
    const { port, err, done: d } = await startForwarding(['--max-tunnel-duration', '2']);
    // Transient: one 503, then the next attempt gets through.
    sb.faults.set('*', { kind: 'refuse', status: 503, message: 'busy' }, { once: true });
    await err.until(/warning: reconnect attempt 1 failed: OpenTunnel refused \(503 InternalError\)/);
    // A connection made while there is no tunnel waits for the next one, then goes through.
    const held = await openEcho(port);
    held.sock.write('held over');
    await err.until(/reconnected \(attempt 2\)/);
    await new Promise<void>((resolve, reject) => {
      const check = () => { if (held.received().toString() === 'held over') resolve(); };
      held.sock.on('data', check);
      held.closed.then(() => reject(new Error(`closed; got ${JSON.stringify(held.received().toString())}`)));
      check();
    });
    held.sock.destroy();
    const hello = Buffer.from('still here');
    assert.deepEqual(await echoes(port, hello), hello);
    // Permanent: access denied, told by its ErrorCode (the status says "try again"): no second attempt.
    sb.faults.set('*', { kind: 'refuse', status: 503, errorCode: 'AccessDeniedException', message: 'denied by policy' });
    const r = await d;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, new RegExp(`^eic: gave up reconnecting to ${id} after 1 attempt: OpenTunnel refused \\(503 AccessDeniedException\\): denied by policy \\(request id [0-9a-f-]{36}\\)`, 'm'));
  });

  it('exits 255 on Ctrl-C while waiting to reconnect; a connection made meanwhile is closed', async () => {
    const { port, err, child: c, done: d } = await startForwarding(['--max-tunnel-duration', '2']);
    sb.faults.set('*', { kind: 'refuse', status: 503, message: 'busy' });
    await err.until(/reconnect attempt 1 failed/);
    // Accepted (the listener stays open) and held until there is a connection again.
    const waiting = await openEcho(port);
    waiting.sock.write('anyone?');
    c.kill('SIGINT');
    const r = await d;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: Killed by signal 2\.$/m);
    await waiting.closed;
    assert.equal(waiting.received().length, 0);
  });

  it('a command cut by a drop (not -N) exits 255 saying the tunnel connection was lost', async () => {
    sb.faults.set('*', { kind: 'drop', afterBytes: 64_000 }, { once: true });
    const r = await runEic(['ssh', id, '--', 'head -c 2000000 /dev/zero'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.ok(r.stdout.length < 2_000_000, `got ${r.stdout.length} bytes`);
    assert.match(r.stderr, /^eic: tunnel connection lost \(the endpoint or the network dropped the connection/m);
    assert.doesNotMatch(r.stderr, /reconnect/);
  });

  it('a terminal session (-t) ended by maxTunnelDuration names it and how to set it, exit 255', async () => {
    const r = await runEic(['ssh', '-t', id, '--max-tunnel-duration', '3', '--', 'echo started; sleep 30; echo never'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stdout.toString(), /started/);
    assert.doesNotMatch(r.stdout.toString(), /never/);
    assert.match(r.stderr, new RegExp(`^eic: the session with ${id} ended: the tunnel reached its maximum duration of 3 s \\(--max-tunnel-duration\\) \\(the endpoint ends every tunnel after its maxTunnelDuration \\(at most 3600 s; --max-tunnel-duration asks for less\\)`, 'm'));
  });

  // Last: it changes the instance's host key for good. Restarting sshd also ends the connection
  // (--max-tunnel-duration would, too, if it did not).
  it('tries to reconnect when sshd restarts, and gives up when it answers with a changed host key', async () => {
    child = spawnEic(['ssh', id, '-N', '-L', `0:127.0.0.1:${echoPort}`, '--max-tunnel-duration', '3'],
      { ...env, EIC_KNOWN_HOSTS: join(home.home, 'known_hosts.rotate') });
    done = finished(child);
    const err = watchStderr(child);
    await err.until(/Forwarding only \(-N\)/);
    await sb.rotateHostKey(id);
    const r = await done;
    assert.equal(r.code, 255, r.stderr);
    assert.match(err.text(), /^tunnel ended: [^\n]+; reconnecting…$/m);
    // While sshd restarts, an attempt may meet a closed port first (transient: not counted).
    assert.match(err.text(), /^warning: reconnect attempt \d failed: host key verification failed/m);
    assert.match(r.stderr, new RegExp(`^eic: gave up reconnecting to ${id} after [34] attempts: host key verification failed: the host key of ${id} has changed`, 'm'));
    assert.doesNotMatch(r.stderr, /reconnected/);
  });
});
