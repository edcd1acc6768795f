/**
 * The sandbox's instances as SSH servers: one real sshd (or, where that cannot run, one
 * in-process fallback) per running instance with an address, each with its own ed25519 host
 * key on its own loopback port. All start in parallel.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceConfig, SandboxConfig } from './config.js';
import { startFallbackSsh } from './fallback-ssh.js';
import type { KeyStore } from './key-store.js';
import { descendants, signal } from './proc-tree.js';
import { startSshd } from './sshd.js';
import type { Logger } from '../log.js';
import { generateEd25519Pem } from '../ed25519.js';

export interface InstanceHost {
  instanceId: string;
  address: { host: string; port: number };
  /** `ssh-ed25519 AAAA…` */
  hostPublicKey: string;
  rotateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export interface InstanceFleet {
  usingRealSshd: boolean;
  get(instanceId: string): InstanceHost | undefined;
  /** Synchronous last resort for process exit: SIGKILL every sshd and its sessions. */
  killNow(): void;
  close(): Promise<void>;
}

export interface FleetOptions {
  config: SandboxConfig;
  realSshd: boolean;
  /** Work directory (root-safe with the real sshd). */
  dir: string;
  /** The AuthorizedKeysCommand (real sshd only). */
  keysCommand: string;
  keys: KeyStore;
  logger: Logger;
}

function newHostKey(): { privatePem: string; publicLine: string } {
  return generateEd25519Pem();
}

/** Instances that get an SSH server: running, with an address a tunnel can name. */
export function servedInstances(cfg: SandboxConfig): InstanceConfig[] {
  return cfg.instances.filter((i) => i.state === 'running' && (i.privateIpAddress || i.ipv6Address));
}

async function startOne(o: FleetOptions, inst: InstanceConfig, pids: Map<string, number>): Promise<InstanceHost> {
  let key = newHostKey();
  const dir = join(o.dir, inst.id);
  mkdirSync(dir, { recursive: true, mode: 0o755 });

  type Server = { port: number; stop(): Promise<void> };
  const launch = async (port?: number): Promise<Server> => {
    if (o.realSshd) {
      const h = await startSshd({ instanceId: inst.id, dir, keysCommand: o.keysCommand, hostKeyPem: key.privatePem, port, logger: o.logger });
      pids.set(inst.id, h.pid);
      return h;
    }
    return startFallbackSsh({ instanceId: inst.id, osUsers: inst.osUsers, hostKeyPem: key.privatePem, keys: o.keys, logger: o.logger, port });
  };

  let server = await launch();
  const host: InstanceHost = {
    instanceId: inst.id,
    address: { host: '127.0.0.1', port: server.port },
    hostPublicKey: key.publicLine,
    async rotateHostKey() {
      key = newHostKey();
      await server.stop();
      // Same port when it is still free, so clients see a changed key at a known address.
      try {
        server = await launch(server.port);
      } catch (err) {
        o.logger.debug(`${inst.id}: port ${server.port} not reusable (${(err as Error).message}); taking a new one`);
        server = await launch();
      }
      host.address = { host: '127.0.0.1', port: server.port };
      host.hostPublicKey = key.publicLine;
    },
    stop: () => server.stop(),
  };
  return host;
}

export async function startInstances(o: FleetOptions): Promise<InstanceFleet> {
  const pids = new Map<string, number>();
  const hosts = new Map<string, InstanceHost>();
  const results = await Promise.allSettled(servedInstances(o.config).map((inst) => startOne(o, inst, pids)));
  for (const r of results) if (r.status === 'fulfilled') hosts.set(r.value.instanceId, r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const fleet: InstanceFleet = {
    usingRealSshd: o.realSshd,
    get: (id) => hosts.get(id),
    killNow() {
      for (const pid of pids.values()) {
        signal(pid, 'SIGSTOP');
        for (const p of descendants(pid)) signal(p, 'SIGKILL');
        signal(pid, 'SIGKILL');
      }
    },
    async close() {
      await Promise.all([...hosts.values()].map((h) => h.stop()));
    },
  };
  if (failed) {
    await fleet.close();
    throw failed.reason;
  }
  return fleet;
}
