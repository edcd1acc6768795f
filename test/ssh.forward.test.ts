// needs: openssl sshd curl
/**
 * `eic ssh -N -L … -D …` as a real process through the sandbox: 50 concurrent connections to
 * a TCP service on the instance side over -L, intact; curl --socks5-hostname to an HTTP server
 * on the instance side over -D; all over the one tunnel; Ctrl-C ends it with status 0.
 */
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { EICE_A } from './helpers/sandbox-tunnel.js';
import { hashServer, roundTrip } from './helpers/ssh-direct.js';
import { eicEnv, finished, spawnEic, tempHome, type Finished } from './helpers/tunnel-harness.js';

const run = promisify(execFile);

/** Wait until stderr has shown every pattern; return their first capture groups. */
function waitForLines(child: ChildProcess, patterns: RegExp[], timeoutMs = 30_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${patterns.join(', ')}; stderr so far: ${text}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      const found = patterns.map((p) => p.exec(text)?.[1]);
      if (found.every((f) => f !== undefined)) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(found as string[]);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`eic exited early: ${text}`)); });
  });
}

describe('eic ssh -N -L -D (sandbox)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let child: ChildProcess;
  let done: Promise<Finished>;
  let target: Awaited<ReturnType<typeof hashServer>>;
  let web: ReturnType<typeof createHttpServer>;
  let localPort: number;
  let socksPort: number;
  let webPort: number;

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    home = tempHome();
    // The instance's sshd runs on this machine's loopback, so "a service on the instance side"
    // is one listening on 127.0.0.1 here.
    target = await hashServer('127.0.0.1');
    web = createHttpServer((req, res) => res.end(`web says ${req.url}`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    webPort = (web.address() as { port: number }).port;
    const env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts') });
    child = spawnEic(['ssh', sb.env.EIC_SANDBOX_INSTANCE, '-N', '-L', `0:127.0.0.1:${target.port}`, '-D', '127.0.0.1:0'], env);
    const lines = waitForLines(child, [/Forwarding 127\.0\.0\.1:(\d+) ->/, /SOCKS5 proxy on 127\.0\.0\.1:(\d+)/]);
    done = finished(child);
    [localPort, socksPort] = (await lines).map(Number);
  });
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await done.catch(() => {});
    await target.close();
    await new Promise<void>((r) => { web.closeAllConnections(); web.close(() => r()); });
    await sb.close();
    home.cleanup();
  });

  it('carries 50 concurrent -L connections intact over one tunnel', async () => {
    const payloads = Array.from({ length: 50 }, (_, i) => randomBytes(50_000 + i * 4_099));
    const answers = await Promise.all(payloads.map((p) => roundTrip('127.0.0.1', localPort, p)));
    answers.forEach((got, i) => assert.equal(got, createHash('sha256').update(payloads[i]).digest('hex'), `connection ${i}`));
    // All of that went through a single EICE tunnel (the endpoint allows only 20).
    assert.equal(sb.activeTunnels(EICE_A), 1);
  });

  it('serves SOCKS5 with names resolved on the instance side', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${socksPort}`, `http://localhost:${webPort}/through-socks`]);
    assert.equal(stdout, 'web says /through-socks');
  });

  it('stops on Ctrl-C as OpenSSH does: "Killed by signal 2." and status 255', async () => {
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: Killed by signal 2\.$/m);
  });
});
