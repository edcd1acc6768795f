/**
 * One real OpenSSH sshd for one sandbox instance: its own config, host key and loopback port,
 * in the foreground (-D) with its log on stderr (-e), kept for -v and for error messages.
 * Keys come only from the AuthorizedKeysCommand (the sandbox's pushed keys), as on an
 * instance with the EC2 Instance Connect agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { descendants, signal } from './proc-tree.js';
import { SANDBOX_SSHD_ENV } from './watchdog.js';
import type { Logger } from '../log.js';

export const SSHD_PATH = '/usr/sbin/sshd';
const READY_TIMEOUT_MS = 10_000;

export interface SshdOptions {
  instanceId: string;
  /** A root-owned directory for this instance's config and host key. */
  dir: string;
  /** Absolute path of the AuthorizedKeysCommand (root-owned, 0755, under root-owned dirs). */
  keysCommand: string;
  hostKeyPem: string;
  /** A fixed port (a restart keeps its address); a free one when absent. */
  port?: number;
  /** How a free port is found when none is fixed (tests replace it). */
  pickPort?: () => Promise<number>;
  logger: Logger;
}

/**
 * A port found free may be taken before sshd binds it: every process on the machine draws from
 * the same ports (other sandboxes, any connection's local end). sshd then exits with "Address
 * already in use", and another free port is tried, this many times in all.
 */
const BIND_TRIES = 5;

export interface SshdHandle {
  port: number;
  pid: number;
  /** Kill the listener and every session it started; resolves once the listener has exited. */
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, host, resolve); });
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export function sshdConfig(o: { port: number; hostKeyPath: string; keysCommand: string; instanceId: string; marker?: string }): string {
  return [
    `# eic sandbox instance ${o.instanceId}`,
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKeyPath}`,
    'PidFile none',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AuthenticationMethods publickey',
    'AuthorizedKeysFile none',
    `AuthorizedKeysCommand ${o.keysCommand} ${o.instanceId} %u`,
    'AuthorizedKeysCommandUser nobody',
    'AllowTcpForwarding yes',
    'AllowAgentForwarding yes',
    'AllowStreamLocalForwarding yes',
    'PermitTTY yes',
    // As Amazon Linux's sshd_config: the locale travels (SendEnv/SetEnv in eic ssh).
    'AcceptEnv LANG LC_* XMODIFIERS',
    'X11Forwarding no',
    // The instance users' homes are not ours to fix; nothing is read from them anyway.
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    // Benchmarks open many connections at once; the default 10:30:100 would drop some.
    'MaxStartups 200',
    'MaxSessions 100',
    'LoginGraceTime 30',
    'Subsystem sftp internal-sftp',
    // The sessions' processes carry the watchdog's mark too: they outlive sshd's own processes.
    ...(o.marker ? [`SetEnv ${SANDBOX_SSHD_ENV}=${o.marker}`] : []),
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/** Start sshd and resolve once it logs that it listens (or reject with its last log lines). */
export async function startSshd(o: SshdOptions): Promise<SshdHandle> {
  if (o.port !== undefined) return startOn(o, o.port);
  for (let tries = 1; ; tries++) {
    const port = await (o.pickPort ?? freePort)();
    try {
      return await startOn(o, port);
    } catch (err) {
      if (tries >= BIND_TRIES || !/Address already in use/.test((err as Error).message)) throw err;
      o.logger.debug(`[${o.instanceId} sshd] port ${port} was taken before sshd bound it; trying another`);
    }
  }
}

async function startOn(o: SshdOptions, port: number): Promise<SshdHandle> {
  const hostKeyPath = join(o.dir, 'ssh_host_ed25519_key');
  const configPath = join(o.dir, 'sshd_config');
  writeFileSync(hostKeyPath, o.hostKeyPem, { mode: 0o600 });
  writeFileSync(configPath, sshdConfig({ port, hostKeyPath, keysCommand: o.keysCommand, instanceId: o.instanceId, marker: configPath }), { mode: 0o644 });

  // The variable marks the listener and the per-connection processes it starts, for the watchdog.
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, [SANDBOX_SSHD_ENV]: configPath },
  });
  const tail: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd for ${o.instanceId} did not listen within ${READY_TIMEOUT_MS} ms: ${tail.join(' | ')}`)), READY_TIMEOUT_MS);
    let buf = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trimEnd();
        buf = buf.slice(nl + 1);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        o.logger.debug(`[${o.instanceId} sshd] ${line}`);
        if (line.includes(`Server listening on 127.0.0.1 port ${port}`)) { clearTimeout(timer); resolve(); }
      }
    });
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`sshd for ${o.instanceId} exited (${sig ?? code}) before listening: ${tail.join(' | ')}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    await killTree(child, () => exited, exit);
    throw err;
  }
  return { port, pid: child.pid!, stop: () => killTree(child, () => exited, exit) };
}

async function killTree(child: ChildProcess, hasExited: () => boolean, exit: Promise<void>): Promise<void> {
  if (hasExited() || child.pid === undefined) return;
  const pid = child.pid;
  // Freeze the listener so it cannot fork while its sessions are collected, then kill them all.
  signal(pid, 'SIGSTOP');
  const tree = descendants(pid);
  signal(pid, 'SIGKILL');
  for (const p of tree) signal(p, 'SIGKILL');
  await exit;
}
