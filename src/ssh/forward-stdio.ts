/**
 * `-W host:port`: stdin and stdout become one connection to host:port made by the instance, so
 * `ProxyCommand eic ssh -W %h:%p web-1` takes plain ssh to any host web-1 can reach (hosts
 * without EC2 Instance Connect included). stdout then carries nothing but that connection's bytes.
 */
import type { Client } from 'ssh2';
import { EicError, usageError } from '../errors.js';
import type { Io } from '../io.js';
import { parsePort, splitSpec } from './forward-local.js';
import { forwardOut } from './forward-out.js';

export interface HostPort { host: string; port: number }

export function parseHostPort(spec: string): HostPort {
  try {
    const parts = splitSpec(spec);
    if (parts.length !== 2 || !parts[0]) throw new Error('expected host:port');
    return { host: parts[0], port: parsePort(parts[1], 'port', false) };
  } catch (err) {
    throw usageError('bad-forward', `bad -W "${spec}": ${(err as Error).message}`, 'use -W host:port, e.g. -W 10.0.1.20:22');
  }
}

/** Relay stdin/stdout through a channel to `to` until it closes; 0, or an EicError (255) when it cannot open. */
export async function forwardStdio(client: Client, to: HostPort, io: Io): Promise<number> {
  const channel = await forwardOut(client, '127.0.0.1', 0, to.host, to.port).catch((err: Error) => {
    throw new EicError('stdio-forward-failed', `stdio forwarding to ${to.host}:${to.port} failed: ${err.message}`, undefined, { cause: err });
  });
  await new Promise<void>((resolve) => {
    io.stdin.pipe(channel);
    channel.pipe(io.stdout);
    channel.on('error', () => channel.close());
    channel.once('close', () => {
      io.stdin.unpipe(channel);
      resolve();
    });
  });
  return 0;
}
