/**
 * `-R [bind:]port:host:hostport`: sshd on the instance listens on bind:port, and each connection
 * it accepts comes back over the tunnel as a `forwarded-tcpip` channel, which eic connects to
 * host:hostport as seen from here. Port 0 lets sshd choose, and the port it chose is reported,
 * as OpenSSH does.
 */
import { connect } from 'node:net';
import type { Client } from 'ssh2';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { splitForwardSpec } from './forward-local.js';
import { bridge } from './forward-out.js';

export interface RemoteForwardSpec { bindHost: string; bindPort: number; host: string; hostPort: number }

/** No bind address: sshd's loopback ("localhost"); an empty one or `*`: every address (OpenSSH's rule). */
export function parseRemoteForward(spec: string): RemoteForwardSpec {
  try {
    const f = splitForwardSpec(spec);
    return { bindHost: f.bind === undefined ? 'localhost' : f.bind === '*' ? '' : f.bind, bindPort: f.port, host: f.host, hostPort: f.hostPort };
  } catch (err) {
    throw usageError('bad-forward', `bad -R "${spec}": ${(err as Error).message}`, 'use -R [bind:]port:host:hostport, e.g. -R 8080:localhost:80');
  }
}

export interface RemoteForward { spec: RemoteForwardSpec; port: number }

/** How long to wait before asking again for a listener the server still holds (the nth time). */
const restoreBackoffMs = (n: number): number => Math.min(250 * 2 ** (n - 1), 30_000);

/**
 * Ask sshd for each listener and serve what comes back. A refused request is a warning, as in
 * OpenSSH ("remote port forwarding failed"); the others still work. With `restore` (the same
 * ports asked for again on a new connection after a tunnel ended), a refusal is retried in the
 * background while the connection lasts: the old session may hold the port on the server until
 * sshd sees it end.
 */
export async function startRemoteForwards(client: Client, specs: RemoteForwardSpec[], logger: Logger, restore = false): Promise<RemoteForward[]> {
  if (specs.length === 0) return [];
  const byPort = new Map<number, RemoteForwardSpec>();
  client.on('tcp connection', (info, accept, reject) => {
    const spec = byPort.get(info.destPort);
    if (!spec) { reject(); return; }
    const sock = connect({ host: spec.host, port: spec.hostPort });
    const from = `${info.srcIP}:${info.srcPort}`;
    let open = false;
    sock.once('connect', () => {
      open = true;
      logger.debug(`-R ${info.destPort}: ${from} -> ${spec.host}:${spec.hostPort} open`);
      void bridge(sock, accept()).then(() => logger.debug(`-R ${info.destPort}: ${from} closed`));
    });
    sock.on('error', (err) => {
      if (!open) {
        logger.warn(`-R ${info.destPort}: cannot connect to ${spec.host}:${spec.hostPort}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        reject();
      }
      sock.destroy();
    });
  });
  const started: RemoteForward[] = [];
  for (const spec of specs) {
    const port = await requestListener(client, spec, logger.warn);
    if (port === undefined) {
      if (restore) retryListener(client, spec, logger, (bound) => byPort.set(bound, spec));
      continue;
    }
    byPort.set(port, spec);
    started.push({ spec, port });
    if (spec.bindPort === 0) logger.info(`Allocated port ${port} for remote forward to ${spec.host}:${spec.hostPort}`);
  }
  return started;
}

/** sshd's listener for `spec`: the port bound, or undefined (refused, and said so through `say`). */
function requestListener(client: Client, spec: RemoteForwardSpec, say: (msg: string) => void): Promise<number | undefined> {
  return new Promise((resolve) => {
    client.forwardIn(spec.bindHost, spec.bindPort, (err, bound) => {
      if (err) {
        say(`remote port forwarding failed for listen port ${spec.bindPort}: ${err.message.replace(/^\(SSH\) /, '')}`);
        resolve(undefined);
      } else resolve(spec.bindPort === 0 ? bound : spec.bindPort);
    });
  });
}

/** Ask again, after each wait, until sshd grants the listener or the connection ends. */
function retryListener(client: Client, spec: RemoteForwardSpec, logger: Logger, granted: (port: number) => void): void {
  let ended = false;
  client.once('close', () => { ended = true; });
  void (async () => {
    for (let n = 1; !ended; n++) {
      await new Promise((resolve) => setTimeout(resolve, restoreBackoffMs(n)).unref());
      if (ended) return;
      const port = await requestListener(client, spec, logger.debug);
      if (port !== undefined && !ended) {
        granted(port);
        logger.info(`remote forward on port ${port} restored`);
        return;
      }
    }
  })();
}
