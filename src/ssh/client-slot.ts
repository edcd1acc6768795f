/**
 * The ssh2 connection the -L/-D listeners forward through, when it can change under them:
 * `eic ssh -N` replaces it after a tunnel ends (maxTunnelDuration, a drop) while the listening
 * sockets stay open. A local connection accepted while there is no connection waits for the
 * next one (its socket stays paused), or is closed if eic gives up or stops.
 */
import type { Client } from 'ssh2';

/** A fixed connection, or a function that yields the current one (waiting if there is none). */
export type ClientRef = Client | (() => Promise<Client>);

export function currentClient(ref: ClientRef): Promise<Client> {
  return typeof ref === 'function' ? ref() : Promise.resolve(ref);
}

export class ClientSlot {
  private client: Client | undefined;
  private ended: Error | undefined;
  private waiting: Array<{ resolve(c: Client): void; reject(e: Error): void }> = [];

  /** The current connection, or the next one once set(); rejects after end(). */
  readonly get = (): Promise<Client> => {
    if (this.ended) return Promise.reject(this.ended);
    if (this.client) return Promise.resolve(this.client);
    return new Promise((resolve, reject) => { this.waiting.push({ resolve, reject }); });
  };

  /** Connections waiting for the next ssh connection right now. */
  pending(): number { return this.waiting.length; }

  set(client: Client): void {
    if (this.ended) return;
    this.client = client;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.resolve(client);
  }

  /** The connection is gone; new requests wait for set(). */
  clear(): void { this.client = undefined; }

  /** No further connection will come: waiting and later requests fail with `err`. */
  end(err: Error): void {
    this.ended ??= err;
    this.client = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(this.ended);
  }
}
