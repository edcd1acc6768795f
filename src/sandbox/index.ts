/**
 * startSandbox(): the whole local AWS side on loopback — the EC2 and Instance Connect APIs
 * (api-server.ts), the EICE OpenTunnel endpoint (eice-server.ts), one SSH server per running
 * instance (instances.ts) — and the environment a client needs to use them.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApiHandler } from './api-server.js';
import { defaultConfig, demoInstance, type CredentialConfig, type EndpointConfig, type InstanceConfig, type SandboxConfig } from './config.js';
import { startEiceServer } from './eice-server.js';
import { guardExit } from './exit-guard.js';
import { FaultControl } from './faults.js';
import { startInstances, type InstanceFleet } from './instances.js';
import { KeyStore } from './key-store.js';
import { checkOsUsers } from './os-users.js';
import { SSHD_PATH } from './sshd.js';
import { generateSandboxTls } from './tls.js';
import { createWorkDir, writeKeysCommand } from './workdir.js';
import { startWatchdog } from './watchdog.js';
import { EicError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { removeTree } from '../remove-tree.js';

export { MAX_DURATION_CLOSE_CODE } from './target-relay.js';
export { UNABLE_TO_CONNECT } from '../eice.js';

export interface SandboxOptions {
  config?: SandboxConfig;
  /** The WSS listener; 127.0.0.1 (and ::1) on a free port by default. */
  listen?: { host: string; port: number };
  /** The DnsName the API returns for endpoints without one (default `localhost:PORT`). */
  dnsName?: string;
  extraCredentials?: CredentialConfig[];
  /** PEM contents (not paths) of a certificate chain and key to serve instead of the generated one. */
  tlsCert?: string;
  tlsKey?: string;
  logger?: Logger;
  /** Fail instead of falling back to the in-process SSH server (default: EIC_SANDBOX_REQUIRE_SSHD=1). */
  requireSshd?: boolean;
  /** The clock pushed keys' validity windows are measured by: tests move one on instead of waiting a window out. */
  now?: () => number;
}

export interface Sandbox {
  config: SandboxConfig;
  /** AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_CA_BUNDLE, EIC_SANDBOX_INSTANCE (not NODE_EXTRA_CA_CERTS: see below) */
  env: Record<string, string>;
  caPem: string;
  apiUrl: string;
  eiceAddress: { host: string; port: number };
  /** Every address the OpenTunnel endpoint listens on (127.0.0.1 and ::1 by default). */
  eiceAddresses: Array<{ host: string; port: number }>;
  /** The DnsName endpoints advertise unless their config names one (`localhost:PORT` by default). */
  dnsName: string;
  faults: FaultControl;
  keys: KeyStore;
  activeTunnels(endpointId: string): number;
  /** OpenTunnel requests received since the start (refused ones too): tests of "nothing was opened". */
  tunnelRequests(): number;
  /** The real sshd (or fallback) address of an instance: for "OpenSSH direct" benchmarks and tests. */
  instanceAddress(instanceId: string): { host: string; port: number } | undefined;
  /** The instance's host public key line ("ssh-ed25519 AAAA…"), for host-key tests. */
  hostPublicKey(instanceId: string): string | undefined;
  /** Replace an instance's host key and restart its SSH server (same port when possible). */
  rotateHostKey(instanceId: string): Promise<void>;
  usingRealSshd: boolean;
  /** The working directory (sshd configs, CA file); gone after close(). */
  dir: string;
  close(): Promise<void>;
}

/** Where the instance's `services` say something listens on `port` (config.ts). */
function serviceAddress(inst: InstanceConfig, port: number): { host: string; port: number } | undefined {
  const at = inst.services?.[String(port)];
  const m = at ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(at) : null;
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Where the real sshd can run: installed, and we are root. Otherwise the reason. */
function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD_PATH)) return `${SSHD_PATH} is not installed`;
  if (process.getuid?.() !== 0) return 'the sandbox is not running as root';
  return undefined;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const logger = opts.logger ?? silentLogger;
  const base = opts.config ?? defaultConfig();
  const config: SandboxConfig = { ...base, credentials: [...base.credentials, ...(opts.extraCredentials ?? [])] };
  if (config.credentials.length === 0) throw new EicError('sandbox-config', 'the sandbox config accepts no credentials', 'add one to "credentials" or pass --credentials KEY_ID:SECRET');
  const listenHost = opts.listen?.host ?? '127.0.0.1';
  if (!LOOPBACK.has(listenHost)) logger.warn(`the sandbox's OpenTunnel endpoint listens on ${listenHost}, not loopback`);

  const requireSshd = opts.requireSshd ?? process.env.EIC_SANDBOX_REQUIRE_SSHD === '1';
  const why = sshdUnavailable();
  if (why && requireSshd) {
    throw new EicError('sandbox-sshd', `the sandbox needs the real OpenSSH sshd but ${why}`, 'install openssh-server and run as root, or unset EIC_SANDBOX_REQUIRE_SSHD');
  }
  if (why) logger.warn(`${why}: the sandbox instances use an in-process SSH server instead of OpenSSH sshd (commands run as the current user, no pty, no sftp)`);
  const realSshd = !why;
  if (realSshd) {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
    checkOsUsers(config, logger);
  }

  const dir = createWorkDir(realSshd);
  // Whatever ends this process, even SIGKILL: see watchdog.ts. Disarmed last, once the
  // cleanups below (run in reverse) have removed the directory themselves.
  const watchdog = startWatchdog(dir);
  const cleanups: Array<() => Promise<void> | void> = [() => watchdog.disarm(), () => removeWorkdir(dir)];
  const undo = async () => { for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {}); };
  try {
    const keys = new KeyStore(config.keyValiditySeconds, opts.now);
    const faults = new FaultControl();
    const generated = opts.tlsCert && opts.tlsKey ? undefined : await generateSandboxTls(opts.dnsName ? [opts.dnsName] : []);
    const tls = generated ?? { caPem: opts.tlsCert!, certPem: opts.tlsCert!, keyPem: opts.tlsKey! };
    const caFile = join(dir, 'sandbox-ca.pem');
    writeFileSync(caFile, tls.caPem, { mode: 0o644 });

    // The API first: the instances' AuthorizedKeysCommand needs its URL.
    let defaultDnsName = '';
    const endpointDnsName = (e: EndpointConfig) => {
      const dnsName = e.dnsName ?? defaultDnsName;
      return { dnsName, fipsDnsName: e.fipsDnsName ?? dnsName };
    };
    const api = http.createServer(createApiHandler({ config, keys, logger, endpointDnsName, faults: faults.api }));
    await new Promise<void>((resolve, reject) => { api.once('error', reject); api.listen(0, '127.0.0.1', () => resolve()); });
    cleanups.push(() => new Promise<void>((r) => { api.close(() => r()); api.closeAllConnections(); }));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

    const keysCommand = realSshd ? writeKeysCommand(dir, apiUrl) : '';
    const fleet: InstanceFleet = await startInstances({ config, realSshd, dir, keysCommand, keys, logger });
    // A last resort if the process ends without close(): no sshd may outlive the sandbox.
    // (Cleanups run in reverse: the guard stays until the fleet is closed.)
    cleanups.push(guardExit(() => { fleet.killNow(); removeWorkdir(dir); }));
    cleanups.push(() => fleet.close());

    // "localhost" = both loopback families on one port, so `wss://localhost:PORT` works
    // whichever address localhost resolves to first.
    const hosts = opts.listen === undefined || listenHost === 'localhost' ? ['127.0.0.1', '::1'] : [listenHost];
    const eice = await startEiceServer({
      config, tls, faults, logger,
      target: (inst, port) => (port === 22 ? fleet.get(inst.id)?.address : serviceAddress(inst, port)),
    }, hosts, opts.listen?.port ?? 0);
    cleanups.push(() => eice.close());
    defaultDnsName = opts.dnsName ?? (eice.port === 443 ? 'localhost' : `localhost:${eice.port}`);

    const cred = config.credentials[0];
    const demo = demoInstance(config);
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_EC2: apiUrl,
      AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: apiUrl,
      AWS_ACCESS_KEY_ID: cred.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cred.secretAccessKey,
      ...(cred.sessionToken ? { AWS_SESSION_TOKEN: cred.sessionToken } : {}),
      AWS_REGION: config.region,
      // The CA reaches clients as AWS_CA_BUNDLE, which eic and the AWS CLI read. Not also as
      // NODE_EXTRA_CA_CERTS: when that is set, Node 20 parses all its built-in roots at every
      // start, a cost eic against AWS never pays. Node programs of one's own pass it as `ca`.
      AWS_CA_BUNDLE: caFile,
      ...(demo ? { EIC_SANDBOX_INSTANCE: demo.id } : {}),
    };
    logger.debug(`sandbox: API ${apiUrl}, OpenTunnel ${eice.addresses.map((a) => `${a.host}:${a.port}`).join(' + ')}, ${realSshd ? 'OpenSSH sshd' : 'in-process SSH'} instances, dir ${dir}`);

    let closed: Promise<void> | undefined;
    return {
      config, env, caPem: tls.caPem, apiUrl, dir, faults, keys,
      eiceAddress: eice.addresses[0],
      eiceAddresses: eice.addresses,
      dnsName: defaultDnsName,
      activeTunnels: (id) => eice.activeTunnels(id),
      tunnelRequests: () => eice.tunnelRequests(),
      instanceAddress: (id) => fleet.get(id)?.address,
      hostPublicKey: (id) => fleet.get(id)?.hostPublicKey,
      async rotateHostKey(id) {
        const h = fleet.get(id);
        if (!h) throw new Error(`no SSH server runs for instance ${id}`);
        await h.rotateHostKey();
      },
      usingRealSshd: realSshd,
      close: () => (closed ??= undo()),
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * The work directory may be the HOME of eic processes a test ran; one that is still exiting can
 * write its code cache there (src/boot/compile-cache.ts) while the directory is being removed.
 */
function removeWorkdir(dir: string): void {
  removeTree(dir);
}
