/**
 * The https.Agent of the AWS API calls when AWS_CA_BUNDLE is set: the tunnel's policy of
 * trust.ts (the bundle alone first, roots + bundle only for a certificate it cannot verify),
 * for the SDK's connections, remembering per host which needed the roots.
 */
import { Agent, type AgentOptions } from 'node:https';
import type { ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { isVerifyFailure, type CaTrust } from './trust.js';

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

export class CaAgent extends Agent {
  private readonly trust: CaTrust;
  /** host:port whose certificates the bundle alone did not verify: they go to roots + bundle at once. */
  private readonly needsRoots = new Set<string>();
  /** How many handshakes were repeated with roots + bundle (for tests and -v). */
  fallbacks = 0;

  constructor(trust: CaTrust, opts: AgentOptions = {}) {
    super(opts);
    this.trust = trust;
  }

  override createConnection(options: ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    const key = `${options.host ?? options.hostname}:${options.port}`;
    // https.Agent's own createConnection is tls.connect with its session cache.
    const open = (full: boolean) => super.createConnection({ ...options, secureContext: full ? this.trust.full() : this.trust.extra() } as ClientRequestArgs) as TLSSocket;
    if (this.needsRoots.has(key) || !callback) return open(true);
    // The socket is handed over only once its certificate is verified, so that a failure under
    // the bundle alone can still be retried without the request having seen it.
    const first = open(false);
    const settle = (err: (Error & { code?: string }) | null) => {
      first.off('secureConnect', onSecure).off('error', settle);
      if (!err) return callback(null, first);
      if (!isVerifyFailure(err.code)) return callback(err, first);
      first.destroy();
      this.needsRoots.add(key);
      this.fallbacks++;
      callback(null, open(true));
    };
    const onSecure = () => settle(null);
    first.on('secureConnect', onSecure).on('error', settle);
    return undefined;
  }
}
