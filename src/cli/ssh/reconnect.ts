/**
 * `eic ssh -N`: keep the forwards up across tunnel ends. The endpoint ends every tunnel after
 * its maxTunnelDuration (1 h at most), and networks drop; each time, a new connection is made
 * (fresh key, push, tunnel, SSH) and put in the ClientSlot the -L/-D listeners forward through,
 * so their listening sockets never close. Connections in flight end with the old tunnel.
 * A stop signal (Ctrl-C, SIGTERM, SIGHUP) ends it, also while waiting to reconnect; the caller
 * then ends as OpenSSH does (255).
 */
import type { Client } from 'ssh2';
import { EicError, isEicError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ClientSlot } from '../../ssh/client-slot.js';
import { endedByDuration, lossError, lossReason, retryKind, type LossContext } from './loss.js';

/** A ready connection and the promise of its end (watched from the start, so no close is missed). */
export interface Held { client: Client; openedAt: number; closed: Promise<{ err?: Error }> }

/** Start watching a new connection for its end: its last error, then 'close'. */
export function watch(client: Client, openedAt: number): Held {
  const closed = new Promise<{ err?: Error }>((resolve) => {
    let last: Error | undefined;
    const onError = (err: Error) => { last = err; };
    client.on('error', onError);
    client.once('close', () => { client.removeListener('error', onError); resolve({ err: last }); });
  });
  return { client, openedAt, closed };
}

export interface HoldOptions {
  first: Held;
  /** A new connection to the same instance (fresh key and push, new tunnel, SSH handshake). */
  connect(): Promise<Client>;
  slot: ClientSlot;
  /** false (--no-reconnect): the first loss ends eic with its reason. */
  reconnect: boolean;
  loss: Pick<LossContext, 'instanceId' | 'maxTunnelDuration'>;
  logger: Logger;
  /** Resolves on a stop signal (src/stop-signals.ts). */
  stop: Promise<unknown>;
  /** Wait before the nth retry (n ≥ 1); default 1 s, 2 s, 4 s… up to 30 s. */
  backoffMs?: (n: number) => number;
  /** Give up after this many failures in a row that are neither transient nor permanent; default 3. */
  maxPermanentFailures?: number;
}

export const defaultBackoffMs = (n: number): number => Math.min(1000 * 2 ** (n - 1), 30_000);

const STOPPED: unique symbol = Symbol('stopped');

/** A connection lost sooner than this after it opened counts as short-lived. */
const SHORT_LIVED_MS = 10_000;

/** Resolves with 0 when stopped; rejects with the reason eic ends (no reconnect, or gave up). */
export async function holdForwarding(o: HoldOptions): Promise<number> {
  const stop = o.stop.then((): typeof STOPPED => STOPPED);
  let current = o.first;
  let short = 0;
  o.slot.set(current.client);
  try {
    for (;;) {
      const ended = await Promise.race([current.closed, stop]);
      if (ended === STOPPED) return 0;
      o.slot.clear();
      const ctx: LossContext = { ...o.loss, openedAt: current.openedAt };
      if (!o.reconnect) throw lossError(ended.err, ctx);
      // Connections that keep dying young (a flapping network, a middlebox cutting them) would
      // otherwise be replaced as fast as AWS answers: from the second in a row, back off too.
      short = !endedByDuration(ended.err, ctx) && Date.now() - current.openedAt < SHORT_LIVED_MS ? short + 1 : 0;
      const delay = short >= 2 ? (o.backoffMs ?? defaultBackoffMs)(short - 1) : 0;
      o.logger.info(`tunnel ended: ${lossReason(ended.err, ctx)}; reconnecting${delay ? ` in ${seconds(delay)} s` : ''}…`);
      if (delay && (await sleep(delay, stop)) === STOPPED) return 0;
      const next = await reconnect(o, stop);
      if (next === STOPPED) return 0;
      current = next;
      o.slot.set(current.client);
    }
  } catch (err) {
    o.slot.end(err as Error);
    throw err;
  } finally {
    o.slot.end(new Error('eic is stopping'));
    current.client.end();
  }
}

async function reconnect(o: HoldOptions, stop: Promise<typeof STOPPED>): Promise<Held | typeof STOPPED> {
  const backoff = o.backoffMs ?? defaultBackoffMs;
  const maxPermanent = o.maxPermanentFailures ?? 3;
  let permanent = 0;
  for (let attempt = 1; ; attempt++) {
    const openedAt = Date.now();
    const connecting = o.connect();
    const got = await Promise.race([connecting.then((client) => ({ client }), (err: unknown) => ({ err })), stop]);
    if (got === STOPPED) {
      // Stopped mid-attempt: whatever it yields later is closed at once.
      connecting.then((c) => c.end(), () => {});
      return STOPPED;
    }
    if ('client' in got) {
      o.logger.info(`reconnected (attempt ${attempt})`);
      return watch(got.client, openedAt);
    }
    const e = isEicError(got.err) ? got.err : new EicError('reconnect-failed', (got.err as Error)?.message ?? String(got.err));
    const kind = retryKind(e);
    if (kind === 'transient') permanent = 0;
    else if (kind === 'permanent' || ++permanent >= maxPermanent) {
      throw new EicError('reconnect-gave-up',
        `gave up reconnecting to ${o.loss.instanceId} after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${e.message}`, e.hint, { cause: e });
    }
    const wait = backoff(attempt);
    o.logger.warn(`reconnect attempt ${attempt} failed: ${e.message}; next in ${seconds(wait)} s`);
    if ((await sleep(wait, stop)) === STOPPED) return STOPPED;
  }
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** Wait `ms`, or less if stopped first. */
async function sleep(ms: number, stop: Promise<typeof STOPPED>): Promise<void | typeof STOPPED> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
  try {
    return await Promise.race([slept, stop]);
  } finally {
    clearTimeout(timer);
  }
}
