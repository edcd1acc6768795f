/**
 * The network half of the doctor: the tunnel (does the endpoint connect it, or close it with
 * "Unable to connect to target"?), the first line the instance sends (an SSH server greets
 * first), and authentication with the pushed key over a second tunnel, with ssh2, then a
 * disconnect. The host key is compared with known_hosts, never recorded.
 */
import type { WebSocket } from 'ws';
import { isEicError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { missingOsUserText } from '../../session/os-user.js';
import { checkHostKey, readKnownHosts, type HostKeyCheck } from '../../ssh/known-hosts.js';
import type { ClientKey } from '../../ssh/keys.js';
import { connectSsh } from '../../ssh/session.js';
import { fingerprint } from '../../ssh-wire.js';
import { isUnableToConnect } from '../../target/explain-unreachable.js';
import { tunnelStream } from '../../tunnel/relay.js';
import type { Report } from './report.js';

/** How long an SSH server may take to greet, and an RDP tunnel must stay open, to count as working. */
const BANNER_WAIT_MS = 10_000;
const RDP_WAIT_MS = 3_000;

export interface ProbeInput {
  open: () => Promise<WebSocket>;
  port: number;
  where: string;
  /** The fix for "Unable to connect to target" when the security groups looked right (or could not be read). */
  unreachableFix: string;
  logger: Logger;
}

type FirstWords = { kind: 'line'; line: string } | { kind: 'closed' } | { kind: 'quiet' } | { kind: 'error'; err: unknown };

/** The first line from the tunnel, or how it ended before one came. */
function firstWords(ws: WebSocket, logger: Logger, waitMs: number): Promise<FirstWords> {
  const stream = tunnelStream(ws, { logger });
  return new Promise<FirstWords>((resolve) => {
    let buf = '';
    const done = (w: FirstWords) => { clearTimeout(timer); stream.removeAllListeners('data'); stream.on('error', () => {}); stream.destroy(); resolve(w); };
    const timer = setTimeout(() => done({ kind: 'quiet' }), waitMs);
    stream.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0 || buf.length >= 255) done({ kind: 'line', line: buf.slice(0, nl >= 0 ? nl : 255).replace(/\r$/, '') });
    });
    stream.once('error', (err) => done({ kind: 'error', err }));
    stream.once('end', () => done({ kind: 'closed' }));
  });
}

/** The tunnel step, and for SSH the banner step. False when later steps are meaningless. */
export async function probeTunnel(r: Report, p: ProbeInput): Promise<boolean> {
  let ws: WebSocket;
  try {
    ws = await p.open();
  } catch (err) {
    r.failWith('tunnel', err);
    return false;
  }
  const rdp = p.port === 3389;
  const w = await firstWords(ws, p.logger, rdp ? RDP_WAIT_MS : BANNER_WAIT_MS);
  if (w.kind === 'error') {
    if (isUnableToConnect(w.err)) {
      r.fail('tunnel', `the endpoint opened the tunnel, then closed it: ${(w.err as Error).message}`, p.unreachableFix);
    } else {
      r.failWith('tunnel', w.err, 'the tunnel failed');
    }
    return false;
  }
  if (rdp) {
    // The endpoint closes a tunnel it cannot connect with 1011: one still open reached the port.
    if (w.kind === 'closed') r.fail('tunnel', `open ${p.where}, then closed by the instance at once`, 'check that the RDP service is running on the instance');
    else if (w.kind === 'quiet') r.pass('tunnel', `open ${p.where}: the endpoint reached port ${p.port}, and the connection was still open after ${RDP_WAIT_MS / 1000} s (an RDP server waits for its client to speak first)`);
    else r.pass('tunnel', `open ${p.where}: the endpoint reached port ${p.port}, but the service there spoke first, which an RDP server does not: "${w.line}"`);
    return w.kind !== 'closed';
  }
  r.pass('tunnel', `open ${p.where}`);
  if (w.kind === 'line' && w.line.startsWith('SSH-')) {
    r.pass('ssh-banner', w.line);
    return true;
  }
  const found = w.kind === 'line' ? `not an SSH server's greeting: "${w.line}"`
    : w.kind === 'closed' ? 'the instance closed the connection without a word' : `no greeting within ${BANNER_WAIT_MS / 1000} s`;
  r.fail('ssh-banner', found, `check that sshd (not another service) listens on port ${p.port} and is not overloaded`);
  return false;
}

export interface AuthInput {
  open: () => Promise<WebSocket>;
  key: ClientKey;
  osUser: string;
  instanceId: string;
  knownHosts: { file: string; alias: string };
  logger: Logger;
}

function hostKeyNote(fp: string, check: HostKeyCheck | undefined, file: string): string {
  if (!check) return `host key ${fp} (known_hosts ${file} unreadable)`;
  if (check.status === 'match') return `host key ${fp} matches ${file}:${check.line}`;
  if (check.status === 'unknown') return `host key ${fp}, not yet in ${file} (eic ssh records it on first contact)`;
  return `host key ${fp} is ${check.status === 'revoked' ? 'marked @revoked' : 'DIFFERENT from the one'} in ${file}:${check.line}`;
}

/** Authenticate as the OS user with the pushed key, then disconnect. */
export async function probeAuth(r: Report, a: AuthInput): Promise<void> {
  let seen: { fp: string; check?: HostKeyCheck } | undefined;
  const hostVerifier = {
    verify(key: Buffer, done: (ok: boolean) => void) {
      const fp = fingerprint(key);
      readKnownHosts(a.knownHosts.file).then(
        (text) => { seen = { fp, check: checkHostKey(text, a.knownHosts.alias, key) }; done(true); },
        () => { seen = { fp }; done(true); },
      );
    },
    refusal: () => undefined,
  };
  try {
    const sock = tunnelStream(await a.open(), { logger: a.logger });
    const conn = await connectSsh({ sock, username: a.osUser, keys: [a.key], hostVerifier, keepaliveIntervalMs: 0, logger: a.logger });
    conn.client.end();
  } catch (err) {
    if (isEicError(err) && err.code === 'ssh-auth-failed') {
      r.fail('authentication', `permission denied for ${a.osUser} (publickey), although the key push succeeded`,
        `${missingOsUserText(a.osUser, a.instanceId)}: run again with --os-user USER`);
    } else {
      r.failWith('authentication', err);
    }
    return;
  }
  const note = seen ? hostKeyNote(seen.fp, seen.check, a.knownHosts.file) : 'no host key seen';
  const changed = seen?.check && (seen.check.status === 'changed' || seen.check.status === 'revoked');
  if (changed) {
    r.fail('authentication', `authenticated as ${a.osUser} with the pushed key, but the ${note}`,
      `if the instance was rebuilt or its key rotated: ssh-keygen -R ${a.knownHosts.alias} -f ${a.knownHosts.file}`);
  } else {
    r.pass('authentication', `authenticated as ${a.osUser} with the pushed key; ${note}`);
  }
}
