/**
 * The byte bridge between an open tunnel WebSocket and a local byte stream (a TCP socket, or
 * stdin + stdout in `eic proxy`). Framing, keep-alive and the reading of close codes live in
 * tunnel-link.ts; this file owns the local side and every close.
 *
 * Close policy. OpenTunnel has no half-close (protocol §3): when either side ends, both end,
 * and nothing already received is lost.
 * - Local EOF: everything read before it has been passed to ws.send(); a close frame (1000)
 *   is queued behind it (ws writes in order), so the endpoint gets all of it first. No empty
 *   frame is ever sent, nothing polls. Tunnel data that still arrives before the endpoint's
 *   close is written to the local side if it is still writable. If the endpoint neither answers
 *   nor drains our queue for CLOSE_GRACE_MS, the WebSocket is cut: the relay ends promptly.
 * - Tunnel closes (1000, or 1005 = no code): all data received before the close has been
 *   written to the local writable; it is then ended, which flushes it, and the local readable
 *   is no longer read (a TCP socket keeps being drained so that closing it sends FIN, not RST).
 * - Tunnel fails (a code other than 1000/1005 → its reason; a text frame → "received invalid
 *   data"; a drop without close frame → "tunnel connection lost"; no pong → the same): the
 *   local side is ended the same way (what arrived is still delivered) and the promise rejects.
 * - Local error: the WebSocket is terminated at once. A reset or broken pipe (the local peer
 *   went away) resolves; any other local error rejects.
 * - The local side is "closed" when its writable has finished (and, for one Duplex, the socket
 *   has closed). A local peer that stops reading for LOCAL_STALL_MS, or a socket that is not
 *   closed by its peer within CLOSE_GRACE_MS of our FIN, is destroyed.
 *
 * Backpressure: tunnel data queued for the local side past LOCAL_HIGH_WATER pauses the
 * WebSocket until 'drain'; a send that takes the WebSocket queue past 1 MiB pauses the local
 * readable until that queue has flushed.
 */
import { Socket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import type WebSocket from 'ws';
import { EicError } from '../errors.js';
import { silentLogger } from '../log.js';
import { CLOSE_GRACE_MS, TunnelLink, type LinkEnd, type LinkOptions } from './tunnel-link.js';

export { tunnelStream } from './tunnel-stream.js';
export { SEND_HIGH_WATER } from './tunnel-link.js';

export interface RelayOptions extends LinkOptions {
  /**
   * Called when the tunnel fails; the local side is ended once what it returns has settled:
   * `eic proxy` tells the user before ssh sees the end of the stream (ssh reports that at once).
   */
  onTunnelError?(err: EicError): void | Promise<void>;
}

export interface RelayEnd {
  /** Bytes received from the tunnel (and written to the local side). */
  bytesIn: number;
  /** Bytes read from the local side and sent into the tunnel. */
  bytesOut: number;
  /** Which side ended first. */
  endedBy: 'local' | 'remote';
  closeCode?: number;
  closeReason?: string;
}

export type LocalSide = { readable: Readable; writable: Writable } | Duplex;

/**
 * Tunnel bytes waiting for the local side before the tunnel is paused. Not write()'s own
 * signal: that is false for every chunk above 16 KiB, and pausing the socket per frame costs
 * more than the frames (a pipe to ssh is written synchronously and is empty again at once).
 */
export const LOCAL_HIGH_WATER = 256 * 1024;
/** A local writable that makes no progress for this long is given up on. */
export const LOCAL_STALL_MS = 10_000;
/** The local peer went away: an end, not a failure. */
const LOCAL_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

function isPair(local: LocalSide): local is { readable: Readable; writable: Writable } {
  // A Duplex has boolean `readable`/`writable` properties; the pair has streams there.
  return typeof (local as { readable: unknown }).readable === 'object' && (local as { readable: unknown }).readable !== null;
}

export function relay(ws: WebSocket, local: LocalSide, opts: RelayOptions = {}): Promise<RelayEnd> {
  const pair = isPair(local);
  const readable: Readable = pair ? local.readable : local;
  const writable: Writable = pair ? local.writable : local;
  const log = opts.logger ?? silentLogger;
  // Interactive latency: do not let Nagle hold back keystrokes on a TCP leg.
  for (const s of new Set<unknown>([readable, writable])) (s as Partial<Socket>).setNoDelay?.(true);

  return new Promise<RelayEnd>((resolve, reject) => {
    let endedBy: RelayEnd['endedBy'] | undefined;
    let linkEnd: LinkEnd | undefined;
    let localEnded = false;
    let localError: (Error & { code?: string }) | undefined;
    let localDone = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let stallTimer: NodeJS.Timeout | undefined;

    // A socket's write is done when the kernel (or TLS) has the bytes; any other stream may
    // still hold the chunk after its callback (a PassThrough keeps it): no reuse there.
    const link = new TunnelLink(ws, { onData, onEnd, reuse: writable instanceof Socket }, opts);

    // Without the reused read buffer (through a proxy), tunnel data arrives as many views of
    // 16 KiB TLS pieces per socket read: they are corked and written together (one writev).
    let corked = false;
    const flush = () => {
      corked = false;
      writable.uncork();
    };
    function onData(chunk: Buffer, release?: () => void): void {
      // The local side is gone (e.g. a TCP peer's FIN ended our socket): nowhere to deliver.
      if (writable.writableEnded || writable.destroyed) return;
      // A batch (it comes with `release`) is already all of this turn's data.
      if (!corked && !release) {
        corked = true;
        writable.cork();
        setImmediate(flush);
      }
      // Released once written: not on error, when the stream may still hold it.
      writable.write(chunk, release && ((err) => { if (!err) release(); }));
      if (writable.writableLength >= LOCAL_HIGH_WATER) link.pauseInbound();
    }
    const onWritableDrain = () => link.resumeInbound();
    const resumeLocal = () => {
      if (!linkEnd && !localEnded) readable.resume();
    };
    function onLocalData(chunk: Buffer | string): void {
      if (linkEnd) return; // the tunnel is over: drain and drop
      if (!link.send(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, resumeLocal)) readable.pause();
    }
    function onLocalEnd(): void {
      localEnded = true;
      endedBy ??= 'local';
      link.close();
    }
    function onLocalError(err: Error): void {
      localError ??= err;
      endedBy ??= 'local';
      log.debug(`local side failed: ${err.message}`);
      link.terminate();
      if (!pair) (local as Duplex).destroy();
    }
    function onLocalClose(): void {
      // One Duplex closed (after its end and finish, or destroyed by its owner).
      if (!localEnded && !localError) onLocalEnd();
      localDone = true;
      maybeDone();
    }
    function onWritableDone(): void {
      if (!pair) {
        // Our FIN is out; a peer that does not close its side is not waited for long.
        graceTimer ??= setTimeout(() => (local as Duplex).destroy(), CLOSE_GRACE_MS).unref();
        return;
      }
      localDone = true;
      maybeDone();
    }

    function onEnd(end: LinkEnd): void {
      linkEnd = end;
      endedBy ??= 'remote';
      if (pair) {
        readable.pause();
        readable.off('data', onLocalData);
      } else if (!localEnded) {
        readable.resume(); // keep draining so the socket can close cleanly
      }
      const held = end.error ? opts.onTunnelError?.(end.error) : undefined;
      if (held) void held.then(endLocal, endLocal);
      else endLocal();
    }

    function endLocal(): void {
      if (!writable.writableEnded && !writable.destroyed) writable.end();
      if (settled) return; // the local side closed by itself meanwhile
      if (writable.writableFinished || writable.destroyed) onWritableDone();
      watchStall();
      maybeDone();
    }

    function watchStall(): void {
      let last = writable.writableLength;
      stallTimer = setInterval(() => {
        const now = writable.writableLength;
        if (now > 0 && now >= last) {
          log.debug('the local side stopped reading; closing it');
          if (pair) {
            writable.destroy();
            localDone = true;
            maybeDone();
          } else {
            (local as Duplex).destroy();
          }
        }
        last = now;
      }, LOCAL_STALL_MS).unref();
    }

    function maybeDone(): void {
      if (settled || !linkEnd || !localDone) return;
      settled = true;
      clearTimeout(graceTimer);
      clearInterval(stallTimer);
      writable.off('drain', onWritableDrain);
      readable.off('data', onLocalData);
      readable.off('end', onLocalEnd);
      log.debug(`relay ended by the ${endedBy === 'local' ? 'local side' : 'endpoint'}: ${link.bytesIn} B in, ${link.bytesOut} B out`);
      if (linkEnd.error) {
        reject(linkEnd.error);
        return;
      }
      if (localError && !LOCAL_GONE.has(localError.code ?? '')) {
        reject(new EicError('local-stream', `the local connection failed: ${localError.message}`,
          undefined, { cause: localError }));
        return;
      }
      resolve({
        bytesIn: link.bytesIn,
        bytesOut: link.bytesOut,
        endedBy: endedBy ?? 'remote',
        closeCode: linkEnd.code,
        closeReason: linkEnd.reason || undefined,
      });
    }

    writable.on('drain', onWritableDrain);
    // Listeners stay after the end: a late error on a stream we let go must not crash.
    writable.on('error', onLocalError);
    if ((readable as unknown) !== writable) readable.on('error', onLocalError);
    if (pair) {
      writable.once('finish', onWritableDone);
      writable.once('close', onWritableDone);
    } else {
      writable.once('finish', () => { if (linkEnd) onWritableDone(); });
      (local as Duplex).once('close', onLocalClose);
    }
    readable.on('end', onLocalEnd);
    readable.on('data', onLocalData);
    if (readable.readableEnded) queueMicrotask(onLocalEnd);
    link.start();
  });
}
