/**
 * The session machinery `eic ssh` and `eic cp` share: a client key (fresh in memory, or -i),
 * the instance and its endpoint, the key pushed while the WebSocket opens, and ssh2 over the
 * tunnel stream with the host key pinned by instance id. The callers decide what to do with
 * the ready connection (a shell, forwards, SFTP).
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { pushPublicKey } from '../aws/push-key.js';
import type { TunnelTarget } from '../target/discover.js';
import { createHostVerifier, hostKeyAlgorithms, parseStrictMode } from '../ssh/host-verify.js';
import { generateSessionKey, loadKeyFile, type ClientKey } from '../ssh/keys.js';
import { hostAlias, knownHostsPath } from '../ssh/known-hosts.js';
import { connectSsh, DEFAULT_HOST_KEY_ALGORITHMS, type Algorithms, type SshConnection } from '../ssh/session.js';
import type { TargetOptions } from '../target/options.js';
import type { Io } from '../io.js';
import { canPrompt } from '../target/pick-instance.js';
import { resolveSshTarget } from '../target/ssh-target.js';
import { uptimeMs } from '../clock.js';
import { missingOsUserText } from './os-user.js';
import { explainUnreachable } from '../target/explain-unreachable.js';

/** How long EC2 Instance Connect accepts a pushed key (protocol §1 step 3). */
const PUSHED_KEY_SECONDS = 60;

/** The options of `eic ssh` that shape the connection itself. */
export interface SessionOptions extends TargetOptions {
  port: number;
  identity?: string;
  push?: boolean;
  knownHosts?: string;
  strictHostKeyChecking: string;
  keepalive: number;
  /** ServerAliveCountMax. */
  keepaliveCountMax?: number;
  /** -c as typed (eic cp); `algorithms` wins when set. */
  cipher?: string;
  /** The lists to offer, already checked against ssh2's (cli/ssh/settle.ts). */
  algorithms?: Algorithms;
  /** IdentitiesOnly: offer no ssh-agent keys. */
  identitiesOnly?: boolean;
  forwardAgent?: boolean;
}

/** Phase timings for -v (the connect-latency benchmark reads them). */
export class Phases {
  private last: number;
  private readonly parts: string[];
  /** `since`: when the command's own work began (default now); what came before is start-up. */
  constructor(since = uptimeMs()) {
    this.last = since;
    this.parts = [`startup ${Math.round(since)} ms`];
  }
  mark(name: string, ms?: number): void {
    const now = uptimeMs();
    this.parts.push(`${name} ${Math.round(ms ?? now - this.last)} ms`);
    this.last = now;
  }
  line(): string { return `timing: ${this.parts.join(', ')}, total ${Math.round(uptimeMs())} ms`; }
}

/** -i's key (asking for its passphrase on a terminal), or a fresh one; and whether to push it. */
export async function clientKey(opts: SessionOptions, io: Io): Promise<{ key: ClientKey; push: boolean }> {
  if (opts.push && !opts.identity) throw usageError('push-needs-key', '--push pushes the -i key, but no -i was given', 'drop --push: without -i a fresh key is pushed anyway');
  const key = opts.identity
    ? await loadKeyFile(opts.identity, { askPassphrase: canPrompt(io) ? (m) => askPassphrase(io, m) : undefined })
    : generateSessionKey();
  return { key, push: !opts.identity || Boolean(opts.push) };
}

export interface ConnectInput {
  target: TunnelTarget;
  key: ClientKey;
  push: boolean;
  osUser: string;
  opts: SessionOptions;
  io: Io;
  logger: Logger;
  agent?: string;
  phases?: Phases;
}

/** Push + tunnel + SSH handshake to an already resolved target. */
export async function connectTarget(input: ConnectInput): Promise<SshConnection> {
  try {
    return await handshake(input);
  } catch (err) {
    // A tunnel the endpoint could not connect: say which security group rule is missing.
    throw await explainUnreachable(err, input.target, input.opts.port);
  }
}

async function handshake(input: ConnectInput): Promise<SshConnection> {
  const { target, key, push, osUser, opts, logger, agent } = input;
  const phases = input.phases ?? new Phases();
  const strict = parseStrictMode(opts.strictHostKeyChecking);
  const ciphers = opts.cipher?.split(',').map((c) => c.trim()).filter(Boolean);
  const algorithms = { ...opts.algorithms, cipher: opts.algorithms?.cipher ?? ciphers };
  const file = knownHostsPath(input.io.env, opts.knownHosts);
  const alias = hostAlias(target.instance.id, opts.port);
  const hostKeyAlgos = await hostKeyAlgorithms(file, alias, opts.algorithms?.serverHostKey ?? DEFAULT_HOST_KEY_ALGORITHMS);
  // From here to connectSsh() nothing may await: ssh2 must be listening when the tunnel speaks.
  const { sock, pushed } = await openAndPush(target, key, push, osUser, opts, logger, phases);
  const conn = await connectSsh({
    sock,
    username: osUser,
    keys: [key],
    agent,
    agentForward: opts.forwardAgent,
    agentAuth: !opts.identitiesOnly,
    hostVerifier: createHostVerifier({ file, alias, mode: strict, logger }),
    hostKeyAlgorithms: hostKeyAlgos,
    algorithms,
    keepaliveIntervalMs: opts.keepalive * 1000,
    keepaliveCountMax: opts.keepaliveCountMax,
    readyTimeoutMs: opts.connectTimeout === undefined ? undefined : opts.connectTimeout * 1000,
    // The handshake runs while the key is still being pushed; only authentication waits for it.
    authAfter: pushed,
    authFailureHint: push
      ? `${missingOsUserText(osUser, target.instance.id)}: pass one with -u or user@ (or the instance's sshd does not use EC2 Instance Connect)`
      : `a key pushed earlier is accepted for ${PUSHED_KEY_SECONDS} s only: run again with --push, or authorize ${opts.identity} for ${osUser} on the instance`,
    logger,
  });
  phases.mark('ssh handshake', conn.timings.handshakeMs);
  phases.mark('auth', conn.timings.authMs);
  if (push) phases.mark('push (in parallel)', await pushed);
  logger.debug(phases.line());
  return conn;
}

export interface Session {
  conn: SshConnection;
  target: TunnelTarget;
  /** Ends the SSH connection and the AWS clients. */
  close(): void;
}

/** Everything from a host name (id, Name, IP; none: pick on a terminal) to a ready SSH connection. */
export async function openSession(host: string | undefined, osUser: string, opts: SessionOptions, io: Io, logger: Logger): Promise<Session> {
  const phases = new Phases();
  const { key, push } = await clientKey(opts, io);
  phases.mark('key');
  const target = await resolveSshTarget(host, opts, io, logger);
  phases.mark('discovery');
  try {
    const conn = await connectTarget({ target, key, push, osUser, opts, io, logger, phases });
    return { conn, target, close: () => { conn.client.end(); target.aws.close(); } };
  } catch (err) {
    target.aws.close();
    throw err;
  }
}

/**
 * Push the key while the WebSocket opens: both are round trips to AWS. The SSH handshake can
 * start as soon as the tunnel is open; `pushed` (its duration) gates authentication only.
 */
async function openAndPush(target: TunnelTarget, key: ClientKey, push: boolean, osUser: string, opts: SessionOptions,
  logger: Logger, phases: Phases): Promise<{ sock: Duplex; pushed: Promise<number> }> {
  const started = uptimeMs();
  const pushed = push
    ? pushPublicKey(target.aws.instanceConnect, {
      instanceId: target.instance.id, osUser, publicKey: key.publicLine,
      availabilityZone: target.instance.availabilityZone, profile: target.aws.profile,
    }).then(() => {
      const ms = uptimeMs() - started;
      logger.debug(`pushed ${key.source} (${key.fingerprint}) for ${osUser} in ${Math.round(ms)} ms`);
      return ms;
    })
    : Promise.resolve(0);
  pushed.catch(() => {}); // awaited by connectSsh, or below when the tunnel fails
  const relay = import('../tunnel/relay.js');
  let ws: WebSocket;
  try {
    ws = await target.open(opts.port);
  } catch (err) {
    await pushed; // when both fail, the push's error comes first (it says more about permissions)
    throw err;
  }
  phases.mark('websocket', uptimeMs() - started);
  const { tunnelStream } = await relay;
  return { sock: tunnelStream(ws, { logger }), pushed };
}

async function askPassphrase(io: Io, message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message: message.replace(/:\s*$/, '') }, { input: io.stdin, output: io.stderr });
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw usageError('cancelled', 'no passphrase given');
    throw err;
  }
}
