/**
 * The `eic ssh` action: target → instance and endpoint, key → pushed (in parallel with the
 * WebSocket), ssh2 over the tunnel stream, then a shell, a command or forwarding only.
 * Returns the exit status (the remote one for commands); eic's own failures are EicErrors.
 */
import { EicError, ExitCode, isEicError, usageError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { pushPublicKey } from '../aws/push-key.js';
import type { TunnelTarget } from '../tunnel/prepare.js';
import { agentSocket } from '../ssh/agent.js';
import { createHostVerifier, hostKeyAlgorithms, parseStrictMode } from '../ssh/host-verify.js';
import { generateSessionKey, loadKeyFile, type ClientKey } from '../ssh/keys.js';
import { hostAlias, knownHostsPath } from '../ssh/known-hosts.js';
import { parseLocalForward } from '../ssh/forward-local.js';
import { parseDynamicForward, startForwarding, type Forwarding } from '../ssh/forwarding.js';
import { joinCommand, runRemote } from '../ssh/remote.js';
import { connectSsh, DEFAULT_HOST_KEY_ALGORITHMS, type SshConnection } from '../ssh/session.js';
import type { Io } from './context.js';
import { canPrompt } from './pick-instance.js';
import { resolveSshTarget, splitUserHost } from './ssh-target.js';
import type { SshCliOptions } from './ssh.js';
import { waitForStop } from './ssh-wait.js';

/** How long EC2 Instance Connect accepts a pushed key (protocol §1 step 3). */
const PUSHED_KEY_SECONDS = 60;

export interface RunSshInput {
  target?: string;
  command: string[];
  opts: SshCliOptions;
  /** -u was given explicitly (it then wins over user@target, as -l does in OpenSSH). */
  osUserFromCli: boolean;
  io: Io;
}

/** Phase timings for -v (the connect-latency benchmark reads them). */
class Phases {
  private last = performance.now();
  private readonly parts: string[] = [`startup ${Math.round(this.last)} ms`];
  mark(name: string, ms?: number): void {
    const now = performance.now();
    this.parts.push(`${name} ${Math.round(ms ?? now - this.last)} ms`);
    this.last = now;
  }
  line(): string { return `timing: ${this.parts.join(', ')}, total ${Math.round(performance.now())} ms`; }
}

export async function runSsh(input: RunSshInput): Promise<number> {
  const { io, opts } = input;
  const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
  const phases = new Phases();

  // Everything that can be refused without the network, first.
  const local = opts.local.map(parseLocalForward);
  const dynamic = opts.dynamic.map(parseDynamicForward);
  if (opts.forwardOnly && input.command.length > 0) throw usageError('ssh-n-with-command', '-N runs no remote command, but one was given');
  if (opts.push && !opts.identity) throw usageError('push-needs-key', '--push pushes the -i key, but no -i was given', 'drop --push: without -i a fresh key is pushed anyway');
  if (opts.tty && opts.noTty) throw usageError('tty-conflict', '-t and -T contradict each other');
  const strict = parseStrictMode(opts.strictHostKeyChecking);
  const ciphers = opts.cipher?.split(',').map((c) => c.trim()).filter(Boolean);
  const { user, host } = splitUserHost(input.target);
  const osUser = input.osUserFromCli ? opts.osUser : (user ?? opts.osUser);
  const agent = agentSocket(io.env, logger);
  if (opts.forwardAgent && !agent) logger.warn('-A: no ssh-agent to forward ($SSH_AUTH_SOCK is not set or not a socket)');

  // -i before any AWS call: a passphrase prompt should not wait on the network.
  let key: ClientKey;
  if (opts.identity) {
    key = await loadKeyFile(opts.identity, { askPassphrase: canPrompt(io) ? (m) => askPassphrase(io, m) : undefined });
  } else {
    key = generateSessionKey();
  }
  const push = !opts.identity || Boolean(opts.push);
  phases.mark('key');

  const target = await resolveSshTarget(host, opts, io, logger);
  phases.mark('discovery');
  let conn: SshConnection | undefined;
  let forwarding: Forwarding | undefined;
  try {
    const opened = Date.now();
    const file = knownHostsPath(io.env, opts.knownHosts);
    const alias = hostAlias(target.instance.id, opts.port);
    const hostKeyAlgos = await hostKeyAlgorithms(file, alias, DEFAULT_HOST_KEY_ALGORITHMS);
    // From here to connectSsh() nothing may await: ssh2 must be listening when the tunnel speaks.
    const sock = await openAndPush(target, key, push, osUser, opts, logger, phases);
    conn = await connectSsh({
      sock,
      username: osUser,
      keys: [key],
      agent,
      agentForward: opts.forwardAgent,
      hostVerifier: createHostVerifier({ file, alias, mode: strict, logger }),
      hostKeyAlgorithms: hostKeyAlgos,
      ciphers,
      keepaliveIntervalMs: opts.keepalive * 1000,
      authFailureHint: push
        ? `the key was pushed for ${osUser} on ${target.instance.id}: check that this OS user exists there (-u) and that its sshd uses EC2 Instance Connect`
        : `a key pushed earlier is accepted for ${PUSHED_KEY_SECONDS} s only: run again with --push, or authorize ${opts.identity} for ${osUser} on the instance`,
      logger,
    });
    phases.mark('ssh handshake', conn.timings.handshakeMs);
    phases.mark('auth', conn.timings.authMs);
    logger.debug(phases.line());

    const describeLoss = (err: Error | undefined) => lossError(err, target, opts, opened);
    if (local.length > 0 || dynamic.length > 0) {
      forwarding = await startForwarding(conn.client, local, dynamic, logger);
      for (const f of forwarding.forwards) {
        const where = f.listener.host.includes(':') ? `[${f.listener.host}]:${f.listener.port}` : `${f.listener.host}:${f.listener.port}`;
        logger.info(f.kind === 'local' ? `Forwarding ${where} -> ${f.spec} via ${target.instance.id}` : `SOCKS5 proxy on ${where} via ${target.instance.id}`);
      }
    }
    if (opts.forwardOnly) {
      logger.info('Forwarding only (-N); press Ctrl-C to stop');
      return await waitForStop(conn.client, describeLoss);
    }
    const command = input.command.length > 0 ? joinCommand(input.command) : undefined;
    const pty = !opts.noTty && (Boolean(opts.tty) || (command === undefined && Boolean(io.stdin.isTTY)));
    const status = await runRemote(conn.client, { command, pty, agentForward: Boolean(opts.forwardAgent && agent), io, logger, describeLoss });
    // As OpenSSH does after a terminal session, so the user knows they are back home.
    if (pty) logger.info(`Connection to ${target.instance.id} closed.`);
    return status;
  } finally {
    await forwarding?.close();
    conn?.client.end();
    target.aws.close();
  }
}

/** Push the key and open the WebSocket at the same time: both are round trips to AWS. */
async function openAndPush(target: TunnelTarget, key: ClientKey, push: boolean, osUser: string, opts: SshCliOptions,
  logger: Logger, phases: Phases) {
  const started = performance.now();
  const pushing = push
    ? pushPublicKey(target.aws.instanceConnect, {
      instanceId: target.instance.id, osUser, publicKey: key.publicLine,
      availabilityZone: target.instance.availabilityZone, profile: target.aws.profile,
    }).then(() => {
      const ms = performance.now() - started;
      logger.debug(`pushed ${key.source} (${key.fingerprint}) for ${osUser} in ${Math.round(ms)} ms`);
      return ms;
    })
    : Promise.resolve(0);
  const relay = import('../tunnel/relay.js');
  const opening = target.open(opts.port).then((ws) => ({ ws, ms: performance.now() - started }));
  const [p, o] = await Promise.allSettled([pushing, opening]);
  if (p.status === 'rejected' || o.status === 'rejected') {
    if (o.status === 'fulfilled') o.value.ws.terminate();
    throw p.status === 'rejected' ? p.reason : (o as PromiseRejectedResult).reason;
  }
  phases.mark('push', p.value);
  phases.mark('websocket (in parallel with push)', o.value.ms);
  const { tunnelStream } = await relay;
  return tunnelStream(o.value.ws, { logger });
}

/** Why the session ended without an exit status: the tunnel's time limit, or what failed. */
function lossError(err: Error | undefined, target: TunnelTarget, opts: SshCliOptions, opened: number): EicError {
  const limit = (opts.maxTunnelDuration ?? 3600) * 1000;
  const elapsed = Date.now() - opened;
  const byDuration = /maxTunnelDuration|maximum duration/i.test(err?.message ?? '') || elapsed >= limit - 1500;
  if (byDuration) {
    return new EicError(ExitCode.connection, 'tunnel-max-duration',
      `the session with ${target.instance.id} ended: the tunnel reached its maximum duration of ${Math.round(limit / 1000)} s${opts.maxTunnelDuration ? ' (--max-tunnel-duration)' : ''}`,
      'connect again to continue', { cause: err });
  }
  if (isEicError(err)) return err;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (isEicError(cause)) return cause;
  return new EicError(ExitCode.connection, 'ssh-connection-lost',
    `connection to ${target.instance.id} closed${err ? `: ${err.message}` : ''}`, 'connect again', { cause: err });
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
