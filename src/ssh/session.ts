/**
 * One SSH connection over a stream we already have (the EICE tunnel, or a TCP socket in
 * tests): handshake, host key check, authentication. A promise in, a ready ssh2 Client out,
 * and every way it can fail turned into an EicError with exit code 255 (OpenSSH's own).
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthenticationType, Client, ConnectConfig } from 'ssh2';
import { EicError, isEicError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ClientKey } from './keys.js';
import type { HostVerifier } from './host-verify.js';
import { signFirst } from './sign-first.js';
import { PREFERRED_CIPHERS, type Algorithms } from './algorithms.js';

export { DEFAULT_HOST_KEY_ALGORITHMS, PREFERRED_CIPHERS, type Algorithms } from './algorithms.js';

export interface SshConnectOptions {
  sock: Duplex;
  username: string;
  /** Keys tried in order (the pushed session key, or the -i key). */
  keys: ClientKey[];
  /** An ssh-agent socket ($SSH_AUTH_SOCK): its keys are tried after `keys`. */
  agent?: string;
  /** Forward the agent (-A); needs `agent`. */
  agentForward?: boolean;
  /** false (IdentitiesOnly): the agent's keys are not offered (it may still be forwarded). */
  agentAuth?: boolean;
  hostVerifier: HostVerifier;
  /** serverHostKey preference (see hostKeyAlgorithms()). */
  hostKeyAlgorithms?: string[];
  /** Cipher, MAC, kex and compression lists (-c, -m, -C, ssh_config); host keys: hostKeyAlgorithms. */
  algorithms?: Algorithms;
  /** 0 disables; default 15 s. */
  keepaliveIntervalMs?: number;
  /** Unanswered keep-alives before the connection counts as dead; default 3. */
  keepaliveCountMax?: number;
  /** Give up on handshake + auth after this long; default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Authentication starts only when this resolves (the pushed key is in place), so the
   * handshake need not wait for the push; a rejection fails the connection with its error.
   */
  authAfter?: Promise<unknown>;
  /** Extra words for "permission denied" (e.g. that a pushed key lives 60 s). */
  authFailureHint?: string;
  logger: Logger;
}

export interface SshConnection {
  client: Client;
  /** Algorithms agreed in the handshake (cipher etc.), for -v and benchmarks. */
  negotiated?: { kex: string; serverHostKey: string; cs: { cipher: string; mac: string; compress: string }; sc: { cipher: string; mac: string; compress: string } };
  /** Milliseconds from start to the end of key exchange, and from there to authenticated. */
  timings: { handshakeMs: number; authMs: number };
}

export function connectSsh(opts: SshConnectOptions): Promise<SshConnection> {
  const { logger } = opts;
  const client = new ssh2.Client();
  const started = Date.now();
  let negotiated: SshConnection['negotiated'];
  let handshakeAt = 0;
  let lastAuthTried = '';

  const attempts: Array<() => unknown> = [
    ...opts.keys.map((k) => () => {
      lastAuthTried = k.source;
      logger.debug(`ssh: offering ${k.source} ${k.key.type} ${k.fingerprint}`);
      return { type: 'publickey', username: opts.username, key: k.key };
    }),
    ...(opts.agent && opts.agentAuth !== false ? [() => {
      lastAuthTried = 'agent keys';
      logger.debug('ssh: trying keys from ssh-agent');
      return { type: 'agent', username: opts.username, agent: opts.agent };
    }] : []),
  ];
  let next = 0;
  const choose = (methodsLeft: AuthenticationType[] | null) => {
    if (methodsLeft && !methodsLeft.includes('publickey')) return false;
    if (next >= attempts.length) return false;
    return attempts[next++]();
  };
  let gate = opts.authAfter;
  // ssh2 waits for `done` when the handler returns undefined.
  const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: unknown, done: (next: unknown) => void) => {
    if (!gate) return choose(methodsLeft);
    gate.then(() => done(choose(methodsLeft)), () => {}); // a rejection fails the connection (below)
    gate = undefined;
    return undefined;
  };

  const config: ConnectConfig = {
    sock: opts.sock as ConnectConfig['sock'],
    username: opts.username,
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => opts.hostVerifier.verify(key, verify),
    authHandler: authHandler as ConnectConfig['authHandler'],
    agent: opts.agent,
    agentForward: Boolean(opts.agent && opts.agentForward),
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    readyTimeout: opts.readyTimeoutMs ?? 30_000,
    algorithms: {
      ...opts.algorithms,
      cipher: opts.algorithms?.cipher ?? PREFERRED_CIPHERS,
      ...(opts.hostKeyAlgorithms ? { serverHostKey: opts.hostKeyAlgorithms } : {}),
    } as ConnectConfig['algorithms'],
  };

  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.removeListener('ready', onReady);
      client.destroy();
      reject(mapConnectError(err, opts, lastAuthTried));
    };
    const onReady = () => {
      if (settled) return;
      settled = true;
      client.removeListener('error', fail);
      client.removeListener('close', onEarlyClose);
      // Errors after this point belong to the session (see watchConnection).
      client.on('error', () => {});
      const now = Date.now();
      logger.debug(`ssh: authenticated as ${opts.username} in ${now - started} ms`);
      const handshakeMs = (handshakeAt || now) - started;
      resolve({ client, negotiated, timings: { handshakeMs, authMs: now - started - handshakeMs } });
    };
    const onEarlyClose = () => fail(new Error('connection closed before authentication'));
    client.on('handshake', (n: SshConnection['negotiated']) => {
      negotiated = n;
      handshakeAt = Date.now();
      logger.debug(`ssh: handshake done in ${Date.now() - started} ms (${n?.kex}, ${n?.serverHostKey}, ${n?.cs.cipher}${n?.cs.mac ? ` ${n.cs.mac}` : ''}, compression ${n?.cs.compress})`);
    });
    client.once('ready', onReady);
    client.on('error', fail);
    opts.authAfter?.catch(fail);
    client.once('close', onEarlyClose);
    client.on('banner', (msg: string) => logger.info(msg.trimEnd()));
    // The stream may have failed before we got here (a tunnel dropped at once): ssh2 would
    // never hear of it, so report its error now.
    const sock = opts.sock as Duplex & { errored?: Error | null };
    // ssh2 reports the stream's errors through the client; this guard only keeps an error
    // emitted when ssh2 is not (or no longer) listening from crashing the process.
    sock.on('error', () => {});
    if (sock.destroyed) {
      fail(sock.errored ?? new Error('the connection closed before the SSH handshake'));
      return;
    }
    client.connect(config);
    signFirst(client, opts.keys.map((k) => k.key)); // one round trip less (sign-first.ts)
  });
}

function mapConnectError(err: Error & { level?: string }, opts: SshConnectOptions, lastAuth: string): EicError {
  if (isEicError(err)) return err;
  const refusal = opts.hostVerifier.refusal();
  if (refusal) return refusal;
  // The tunnel layer reports its own failures (close reasons, HTTP refusals) as EicErrors.
  const cause = (err as { cause?: unknown }).cause;
  if (isEicError(cause)) return cause;
  if (err.level === 'client-authentication') {
    return new EicError('ssh-auth-failed',
      `permission denied for ${opts.username} (publickey)${lastAuth ? `; last tried: ${lastAuth}` : ''}`,
      opts.authFailureHint ?? 'check the OS user (-u) and the key', { cause: err });
  }
  if (err.level === 'client-timeout') {
    return new EicError('ssh-timeout', `ssh handshake timed out: ${err.message}`,
      'the instance may be overloaded, or sshd not listening on that port', { cause: err });
  }
  return new EicError('ssh-connect', `ssh connection failed: ${err.message}`,
    'is sshd running on the instance and reachable on that port?', { cause: err });
}
