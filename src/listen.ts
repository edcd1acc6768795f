/**
 * Listening on a local port, for `eic tunnel` and for ssh's -L/-D: the same failure to listen
 * (port in use, no permission, no such address) is the same EicError whichever command met it.
 */
import { isIP, type Server } from 'node:net';
import { EicError } from './errors.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** What the port is for, named in the message (e.g. "-L 5432:db:5432"). */
  what?: string;
  /** How to choose another port, for the hint (e.g. "pick another --local-port"). */
  otherPort: string;
  exclusive?: boolean;
}

/** Listen; resolves with the address bound, or rejects with the EicError for why not. */
export function listenOn(server: Server, opts: ListenOptions): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, opts));
    server.once('error', onError);
    server.listen({ host: opts.host, port: opts.port, exclusive: opts.exclusive }, () => {
      server.off('error', onError);
      const addr = server.address() as { address: string; port: number };
      resolve({ host: addr.address, port: addr.port });
    });
  });
}

function listenError(err: NodeJS.ErrnoException, opts: ListenOptions): EicError {
  const where = `${isIP(opts.host) === 6 ? `[${opts.host}]` : opts.host}:${opts.port}${opts.what ? ` for ${opts.what}` : ''}`;
  const cause = { cause: err };
  switch (err.code) {
    case 'EADDRINUSE':
      return new EicError('port-in-use', `cannot listen on ${where}: the port is already in use`, opts.otherPort, cause);
    case 'EACCES':
      return new EicError('port-denied', `cannot listen on ${where}: permission denied`,
        'ports below 1024 need privileges; pick a port above 1024', cause);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new EicError('bind-unavailable', `cannot listen on ${where}: no such local address`,
        'bind to an address of this machine, e.g. 127.0.0.1 or ::1', cause);
    default:
      return new EicError('listen-failed', `cannot listen on ${where}: ${err.message}`, undefined, cause);
  }
}
