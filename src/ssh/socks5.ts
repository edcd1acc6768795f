/**
 * A SOCKS5 server (RFC 1928) for `-D`: CONNECT only, no authentication, IPv4, IPv6 and domain
 * names. Domain names are passed on unresolved, so they are resolved on the instance side
 * (what `curl --socks5-hostname` and browsers with remote DNS expect). The connection itself
 * is made by `open`, which eic points at ssh2's forwardOut.
 */
import { createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { serveLocal, type LocalListener } from './forward-local.js';

/** RFC 1928 §6 reply codes. */
export const Reply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

export interface SocksRequest { host: string; port: number; srcIp: string; srcPort: number }

export interface Socks5Options {
  bindHost: string;
  bindPort: number;
  /** Open the outgoing connection; reject with an error carrying `socksReply` to choose the code. */
  open(req: SocksRequest): Promise<Duplex>;
  /** Wire the client socket to the opened stream (eic uses forward-out's bridge). */
  join(sock: Socket, remote: Duplex): Promise<void>;
  logger: Logger;
}

/** Reads exactly n bytes from a paused socket (leaving whatever follows in its buffer). */
function readBytes(sock: Socket, n: number): Promise<Buffer> {
  if (n === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const chunk = sock.read(n) as Buffer | null;
      if (chunk === null) return false;
      cleanup();
      resolve(chunk);
      return true;
    };
    const onEnd = () => { cleanup(); reject(new Error('client closed during the SOCKS handshake')); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onReadable = () => { attempt(); };
    const cleanup = () => {
      sock.removeListener('readable', onReadable);
      sock.removeListener('end', onEnd);
      sock.removeListener('error', onError);
    };
    sock.on('readable', onReadable);
    sock.once('end', onEnd);
    sock.once('error', onError);
    attempt();
  });
}

class SocksFailure extends Error {
  constructor(message: string, readonly reply: number) { super(message); }
}

/** Parse the greeting and the request; answers the method selection itself. */
export async function readRequest(sock: Socket): Promise<{ host: string; port: number }> {
  const [ver, nMethods] = await readBytes(sock, 2);
  if (ver !== 5) throw new SocksFailure(`not SOCKS5 (version byte ${ver})`, -1);
  const methods = await readBytes(sock, nMethods);
  if (!methods.includes(0x00)) {
    sock.end(Buffer.from([5, 0xff]));
    throw new SocksFailure('client offers no "no authentication" method', -1);
  }
  sock.write(Buffer.from([5, 0x00]));
  const [v, cmd, , atyp] = await readBytes(sock, 4);
  if (v !== 5) throw new SocksFailure('bad request version', Reply.generalFailure);
  let host: string;
  if (atyp === 0x01) {
    host = [...await readBytes(sock, 4)].join('.');
  } else if (atyp === 0x03) {
    const [len] = await readBytes(sock, 1);
    host = (await readBytes(sock, len)).toString('utf8');
  } else if (atyp === 0x04) {
    const b = await readBytes(sock, 16);
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    host = groups.join(':');
  } else {
    throw new SocksFailure(`address type ${atyp} not supported`, Reply.addressTypeNotSupported);
  }
  const port = (await readBytes(sock, 2)).readUInt16BE(0);
  if (cmd !== 0x01) throw new SocksFailure(`command ${cmd} not supported (CONNECT only)`, Reply.commandNotSupported);
  return { host, port };
}

/** A reply with BND.ADDR 0.0.0.0:0: the bound address on the instance side is not known here. */
function reply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

export async function startSocks5(opts: Socks5Options): Promise<LocalListener> {
  const { logger } = opts;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    handle(sock).catch((err: Error) => {
      const code = err instanceof SocksFailure ? err.reply : (err as { socksReply?: number }).socksReply ?? Reply.generalFailure;
      logger.debug(`-D: ${err.message}`);
      if (code >= 0 && !sock.destroyed) sock.end(reply(code));
      else sock.destroy();
    });
  });
  const handle = async (sock: Socket) => {
    const { host, port } = await readRequest(sock);
    let remote: Duplex;
    try {
      remote = await opts.open({ host, port, srcIp: sock.remoteAddress ?? '127.0.0.1', srcPort: sock.remotePort ?? 0 });
    } catch (err) {
      logger.warn(`-D: ${(err as Error).message}`);
      throw err;
    }
    logger.debug(`-D: ${host}:${port} open`);
    sock.write(reply(Reply.succeeded));
    await opts.join(sock, remote);
  };
  return serveLocal(server, sockets, opts.bindHost, opts.bindPort, `-D ${opts.bindPort}`);
}
