/**
 * `-L [bind:]port:host:hostport`: a local listener whose connections go, each as its own SSH
 * channel over the one tunnel, to host:hostport as seen from the instance.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { EicError, usageError } from '../errors.js';
import { listenOn } from '../listen.js';
import type { Logger } from '../log.js';
import { currentClient, type ClientRef } from './client-slot.js';
import { bridge, forwardOut } from './forward-out.js';

export interface LocalForwardSpec { bindHost: string; bindPort: number; host: string; hostPort: number }

/**
 * Split an OpenSSH forward spec on ':' (or '/'), honouring [IPv6] brackets; an empty or `*`
 * bind address means all interfaces, as in OpenSSH, and no bind address means loopback.
 */
export function splitSpec(spec: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0) throw new Error('unclosed [');
      parts.push(spec.slice(i + 1, close));
      i = close + 1;
      if (i < spec.length && spec[i] !== ':' && spec[i] !== '/') throw new Error('expected : after ]');
      i++;
      continue;
    }
    let j = i;
    while (j < spec.length && spec[j] !== ':' && spec[j] !== '/') j++;
    parts.push(spec.slice(i, j));
    i = j + 1;
  }
  return parts;
}

export function parsePort(value: string, what: string, allowZero: boolean): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (!allowZero && n === 0)) throw new Error(`bad ${what} "${value}"`);
  return n;
}

export function bindAddress(value: string | undefined): string {
  if (value === undefined) return '127.0.0.1';
  if (value === '' || value === '*') return '0.0.0.0';
  if (value === 'localhost') return '127.0.0.1';
  return value;
}

/** `[bind:]port:host:hostport` (-L and -R alike); `bind` is undefined when not given. Throws a plain Error. */
export function splitForwardSpec(spec: string): { bind?: string; port: number; host: string; hostPort: number } {
  const parts = splitSpec(spec);
  if (parts.length !== 3 && parts.length !== 4) throw new Error('expected [bind:]port:host:hostport');
  const [bind, port, host, hostPort] = parts.length === 4 ? parts : [undefined, ...parts];
  if (!host) throw new Error('empty host');
  return { bind, port: parsePort(port!, 'port', true), host, hostPort: parsePort(hostPort!, 'host port', false) };
}

export function parseLocalForward(spec: string): LocalForwardSpec {
  try {
    const f = splitForwardSpec(spec);
    return { bindHost: bindAddress(f.bind), bindPort: f.port, host: f.host, hostPort: f.hostPort };
  } catch (err) {
    throw usageError('bad-forward', `bad -L "${spec}": ${(err as Error).message}`, 'use -L [bind:]port:host:hostport, e.g. -L 5432:db.internal:5432');
  }
}

export interface LocalListener {
  host: string;
  port: number;
  /** Connections being forwarded right now. */
  active(): number;
  close(): Promise<void>;
}

/** Listen, and give a LocalListener whose close() also ends the connections held in `sockets`. */
export async function serveLocal(server: Server, sockets: Set<Socket>, host: string, port: number, what: string): Promise<LocalListener> {
  const where = await listenOn(server, { host, port, what, otherPort: 'pick another local port' });
  return {
    ...where,
    active: () => sockets.size,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export async function startLocalForward(client: ClientRef, spec: LocalForwardSpec, logger: Logger): Promise<LocalListener> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.pause();
    // It may wait for a reconnect (client-slot.ts): a reset meanwhile must not crash eic.
    sock.on('error', () => sock.destroy());
    const from = `${sock.remoteAddress}:${sock.remotePort}`;
    currentClient(client)
      .then((c) => {
        if (sock.destroyed) throw new Error(`${from} left while waiting for the connection`);
        return forwardOut(c, sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, spec.host, spec.hostPort);
      })
      .then((ch) => {
        logger.debug(`-L: ${from} -> ${spec.host}:${spec.hostPort} open`);
        return bridge(sock, ch).then(() => logger.debug(`-L: ${from} closed`));
      })
      .catch((err: Error) => {
        logger.warn(`-L ${spec.bindPort}: ${err.message}`);
        sock.destroy();
      });
  });
  return serveLocal(server, sockets, spec.bindHost, spec.bindPort, `-L ${spec.bindPort}:${spec.host}:${spec.hostPort}`);
}
