/**
 * A real OpenSSH sshd on 127.0.0.1 for tests that exercise the ssh modules without the sandbox:
 * its own config, its own host key and an authorized_keys file the test writes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestSshd {
  host: string;
  port: number;
  /** The host key's public blob (what ssh2's hostVerifier receives). */
  hostKeyBlob: Buffer;
  setAuthorizedKeys(lines: string[]): void;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startSshd(authorizedKeys: string[] = []): Promise<TestSshd> {
  // sshd insists on its privilege-separation folder (normally made by the service unit).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'eic-sshd-'));
  // sshd reads authorized_keys as the target user: the folder and file must be readable by it.
  chmodSync(dir, 0o755);
  const hostKey = join(dir, 'host_ed25519');
  const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
  const authFile = join(dir, 'authorized_keys');
  const setAuthorizedKeys = (lines: string[]) => {
    writeFileSync(authFile, lines.map((l) => l + '\n').join(''));
    chmodSync(authFile, 0o644);
  };
  setAuthorizedKeys(authorizedKeys);
  // A port found free may be taken by another process before sshd binds it: then another one.
  for (let tries = 1; ; tries++) {
    try {
      return await launch(dir, hostKey, authFile, setAuthorizedKeys);
    } catch (err) {
      if (tries >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function launch(dir: string, hostKey: string, authFile: string, setAuthorizedKeys: (lines: string[]) => void): Promise<TestSshd> {
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${authFile}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthenticationMethods publickey',
    'AllowTcpForwarding yes',
    'AllowAgentForwarding yes',
    'PermitTTY yes',
    'MaxStartups 100',
    'MaxSessions 100',
    'LogLevel ERROR',
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForBanner(port, () => child.exitCode !== null, () => stderr);
  const pub = readFileSync(hostKey + '.pub', 'utf8').trim().split(/\s+/)[1];
  return {
    host: '127.0.0.1',
    port,
    hostKeyBlob: Buffer.from(pub, 'base64'),
    setAuthorizedKeys,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForBanner(port: number, dead: () => boolean, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (dead()) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => { s.destroy(); resolve(d.toString().startsWith('SSH-')); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd did not start on port ${port}: ${log()}`);
}
