/**
 * The local listener of `eic tunnel`: every accepted TCP connection gets its own freshly signed
 * WebSocket and its own relay. A failure of one connection (refused by the endpoint, the
 * instance port closed, the tunnel's maxTunnelDuration reached) is reported and the listener
 * keeps serving; only close() ends it, and it ends every open tunnel with it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { EicError, isEicError } from '../errors.js';
import { listenOn } from '../listen.js';
import type { Logger } from '../log.js';
import type { RelayEnd } from './relay.js';
import { CLOSE_GRACE_MS } from './tunnel-link.js';

export interface ListenerOptions {
  bind: string;
  port: number;
  maxConnections: number;
  /** Opens the tunnel WebSocket for one connection. */
  open: () => Promise<WebSocket>;
  relay: (ws: WebSocket, local: Socket, opts: { logger?: Logger }) => Promise<RelayEnd>;
  logger: Logger;
}

export interface TunnelListener {
  host: string;
  port: number;
  /** Open tunnels right now. */
  active(): number;
  /** Stop listening and end every open tunnel; resolves when all have ended. */
  close(): Promise<void>;
}

interface Conn { id: number; socket: Socket; ws?: WebSocket; done: Promise<void> }

export async function startListener(opts: ListenerOptions): Promise<TunnelListener> {
  const { logger } = opts;
  const conns = new Set<Conn>();
  let nextId = 1;
  let closing = false;

  const serve = (socket: Socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (closing) { socket.destroy(); return; }
    if (conns.size >= opts.maxConnections) {
      logger.warn(`refused connection from ${peer}: ${conns.size} tunnels already open (--max-connections ${opts.maxConnections})`);
      socket.destroy();
      return;
    }
    // Until the relay owns it, a socket error must not crash the process.
    socket.on('error', () => {});
    const conn = { id: nextId++, socket } as Conn;
    logger.info(`connection ${conn.id} from ${peer} opened`);
    conn.done = (async () => {
      try {
        conn.ws = await opts.open();
        if (closing || socket.destroyed) {
          conn.ws.close(1000);
          logger.info(`connection ${conn.id} closed before its tunnel opened`);
          return;
        }
        const end = await opts.relay(conn.ws, socket, { logger });
        logger.info(`connection ${conn.id} closed by ${end.endedBy === 'local' ? 'the client' : 'the instance'} (${end.bytesOut} bytes sent, ${end.bytesIn} received)`);
      } catch (err) {
        const e = isEicError(err) ? err : new EicError('tunnel-failed', (err as Error)?.message ?? String(err));
        logger.warn(`connection ${conn.id} failed: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
        socket.destroy();
        conn.ws?.terminate();
      } finally {
        conns.delete(conn);
      }
    })();
    conns.add(conn);
  };

  const server = createServer(serve);
  await listenOn(server, { host: opts.bind, port: opts.port, exclusive: true, otherPort: 'pick another --local-port, or --local-port 0 for a free one' });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    host: opts.bind,
    port,
    active: () => conns.size,
    close: async () => {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const all = [...conns];
      // Ending the local side makes each relay close its WebSocket with a close frame; a tunnel
      // gets the same grace to finish that as anywhere else, then is cut.
      for (const c of all) c.socket.destroy();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_GRACE_MS); });
      await Promise.race([Promise.all(all.map((c) => c.done)), grace]);
      clearTimeout(timer);
      for (const c of all) c.ws?.terminate();
      await stopped;
    },
  };
}
