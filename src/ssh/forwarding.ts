/**
 * The -L and -D listeners of one ssh connection, started together and closed together.
 */
import type { ClientChannel } from 'ssh2';
import type { Socket } from 'node:net';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { currentClient, type ClientRef } from './client-slot.js';
import { bindAddress, parsePort, splitSpec, startLocalForward, type LocalForwardSpec, type LocalListener } from './forward-local.js';
import { bridge, forwardOut, ForwardError } from './forward-out.js';
import { Reply, startSocks5 } from './socks5.js';

export interface DynamicForwardSpec { bindHost: string; bindPort: number }

export function parseDynamicForward(spec: string): DynamicForwardSpec {
  try {
    const parts = splitSpec(spec);
    if (parts.length > 2) throw new Error('expected [bind:]port');
    const [bind, port] = parts.length === 2 ? parts : [undefined, parts[0]];
    return { bindHost: bindAddress(bind), bindPort: parsePort(port!, 'port', true) };
  } catch (err) {
    throw usageError('bad-forward', `bad -D "${spec}": ${(err as Error).message}`, 'use -D [bind:]port, e.g. -D 1080');
  }
}

export interface ActiveForward { kind: 'local' | 'dynamic'; spec: string; listener: LocalListener }

export interface Forwarding {
  forwards: ActiveForward[];
  close(): Promise<void>;
}

const socksReplyFor = (err: unknown): number => {
  if (!(err instanceof ForwardError)) return Reply.generalFailure;
  switch (err.kind) {
    case 'prohibited': return Reply.notAllowed;
    case 'refused': return Reply.connectionRefused;
    case 'unreachable': return Reply.hostUnreachable;
    default: return Reply.generalFailure;
  }
};

/** `client` may be a function yielding the current connection (it then changes on reconnects). */
export async function startForwarding(client: ClientRef, local: LocalForwardSpec[], dynamic: DynamicForwardSpec[],
  logger: Logger): Promise<Forwarding> {
  const forwards: ActiveForward[] = [];
  const close = async () => { await Promise.all(forwards.map((f) => f.listener.close())); };
  try {
    for (const spec of local) {
      const listener = await startLocalForward(client, spec, logger);
      forwards.push({ kind: 'local', spec: `${spec.host}:${spec.hostPort}`, listener });
    }
    for (const spec of dynamic) {
      const listener = await startSocks5({
        bindHost: spec.bindHost,
        bindPort: spec.bindPort,
        logger,
        open: async (req) => {
          try {
            return await forwardOut(await currentClient(client), req.srcIp, req.srcPort, req.host, req.port);
          } catch (err) {
            throw Object.assign(err as Error, { socksReply: socksReplyFor(err) });
          }
        },
        join: (sock: Socket, remote) => bridge(sock, remote as ClientChannel),
      });
      forwards.push({ kind: 'dynamic', spec: 'SOCKS5', listener });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { forwards, close };
}
