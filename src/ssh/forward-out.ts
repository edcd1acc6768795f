/**
 * One forwarded connection: a `direct-tcpip` channel through the ssh connection (so it reaches
 * whatever the instance can reach, on any port) bridged to a local socket. Many of them share
 * the one tunnel, which is how eic gets past EICE's ports 22/3389 and 20-connection limit.
 */
import type { Socket } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';

/** Why the instance side could not open the connection (SSH_MSG_CHANNEL_OPEN_FAILURE reasons). */
export type ForwardFailure = 'prohibited' | 'refused' | 'unreachable' | 'failed';

export class ForwardError extends Error {
  constructor(message: string, readonly kind: ForwardFailure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForwardError';
  }
}

export function forwardOut(client: Client, srcIp: string, srcPort: number, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut(srcIp, srcPort, host, port, (err, ch) => {
        if (!err) return resolve(ch);
        const reason = (err as { reason?: number }).reason;
        const kind: ForwardFailure = reason === 1 ? 'prohibited'
          : reason === 2 ? (/refused/i.test(err.message) ? 'refused' : 'unreachable')
          : 'failed';
        reject(new ForwardError(`cannot reach ${host}:${port} from the instance: ${err.message.replace(/^\(SSH\) /, '')}`, kind, { cause: err }));
      });
    } catch (err) {
      // ssh2 throws synchronously once the connection is gone.
      reject(new ForwardError(`cannot reach ${host}:${port}: ${(err as Error).message}`, 'failed', { cause: err }));
    }
  });
}

/**
 * Copy both ways, passing each side's end on as a half-close (TCP FIN <-> SSH EOF). When one
 * side is gone for good, the other is closed only after what was already written to it is
 * flushed (ssh2's channel.destroy() would send CHANNEL_CLOSE at once and drop queued data).
 * Resolves when both are closed.
 */
export function bridge(sock: Socket, channel: ClientChannel): Promise<void> {
  return new Promise((resolve) => {
    let sockClosed = false;
    let chanClosed = false;
    const settle = () => { if (sockClosed && chanClosed) resolve(); };
    const closeChannel = () => {
      if (chanClosed) return;
      if (channel.writableFinished) channel.close();
      else { channel.once('finish', () => channel.close()); channel.end(); }
    };
    sock.pipe(channel);
    channel.pipe(sock);
    sock.on('error', () => sock.destroy());
    channel.on('error', () => closeChannel());
    sock.on('close', () => { sockClosed = true; closeChannel(); settle(); });
    channel.on('close', () => {
      chanClosed = true;
      if (!sock.destroyed) sock.end(() => sock.destroy());
      settle();
    });
  });
}
