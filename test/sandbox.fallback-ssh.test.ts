// needs: ssh ssh-keygen
/**
 * The in-process SSH server the sandbox uses only where the real sshd cannot run, checked with
 * the real OpenSSH client: a pushed key logs in and runs a command (output, exit status), an
 * unknown key or user is refused, and direct-tcpip forwarding (`ssh -W`) carries bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFallbackSsh, type FallbackHandle } from '../src/sandbox/fallback-ssh.js';
import { KeyStore } from '../src/sandbox/key-store.js';
import { silentLogger } from '../src/log.js';
import { generateEd25519Pem } from '../src/ed25519.js';

const ID = 'i-0fa11bac0000000001';

describe('fallback SSH server (in-process) with the OpenSSH client', () => {
  let dir: string;
  let keys: KeyStore;
  let server: FallbackHandle;
  let echo: Server;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eic-fallback-'));
    for (const name of ['id', 'other']) {
      const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, name)]);
      assert.equal(r.status, 0);
    }
    keys = new KeyStore(60);
    keys.push(ID, 'ec2-user', readFileSync(join(dir, 'id.pub'), 'utf8'));
    server = await startFallbackSsh({ instanceId: ID, osUsers: ['ec2-user'], hostKeyPem: generateEd25519Pem().privatePem, keys, logger: silentLogger });
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await server?.stop();
    echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function ssh(args: string[], key = 'id', user = 'ec2-user', input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('ssh', ['-F', 'none', '-i', join(dir, key), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
      '-p', String(server.port), `${user}@127.0.0.1`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('runs a command with the pushed key: output and exit status come back', async () => {
    const r = await ssh(['echo out-$((40+2)); echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out-42\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('a shell without a command reads its commands from stdin (no pty)', async () => {
    const r = await ssh(['-T'], 'id', 'ec2-user', 'echo from-stdin\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from-stdin\n');
  });

  it('refuses a key that was not pushed, and a user that does not exist on the instance', async () => {
    const wrongKey = await ssh(['true'], 'other');
    assert.equal(wrongKey.code, 255);
    assert.match(wrongKey.stderr, /Permission denied \(publickey\)/);
    const wrongUser = await ssh(['true'], 'id', 'root');
    assert.equal(wrongUser.code, 255);
  });

  it('forwards a TCP connection (direct-tcpip, ssh -W)', async () => {
    const port = (echo.address() as AddressInfo).port;
    const r = await ssh(['-W', `127.0.0.1:${port}`], 'id', 'ec2-user', 'ping through the tunnel');
    assert.equal(r.stdout, 'ping through the tunnel');
  });
});
