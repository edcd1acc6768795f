/**
 * The tunnel side of the byte path: framing, backpressure signals, keep-alive and the reading
 * of how a tunnel ended. relay() and tunnelStream() (relay.ts) put a local stream on the other
 * side; this file knows nothing about that side.
 *
 * Framing (protocol §3): client frames are binary, at most 65,000 payload bytes, never empty.
 * A larger chunk is cut into equal parts with subarray(): no copy here (ws copies once anyway,
 * to mask). Inbound, a text frame is an error.
 *
 * Backpressure out: send() stops queueing frames once ws.bufferedAmount would pass
 * SEND_HIGH_WATER, reports "stop", and goes on when the frame that filled the queue has been
 * handed to the kernel (writes are ordered, so everything before it has been too); the caller
 * is told once the whole chunk is queued. One callback per filling frame, no promise per
 * frame. Backpressure in: pauseInbound()/resumeInbound() stop reading the TLS socket.
 *
 * Liveness: a ping every keepAliveMs keeps idle-timeout middleboxes open. Whether the endpoint
 * answers pings is not known (protocol §3), so a missing pong ends the tunnel only once this
 * endpoint has answered one on this tunnel; until then TCP keep-alive (connect.ts) and the SSH
 * layer's own keep-alives are what find a dead peer.
 */
import WebSocket from 'ws';
import { EicError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { Batcher } from './batch.js';
import { attachFrameReader } from './frame-reader.js';
import { MAX_CLIENT_FRAME_BYTES } from '../eice.js';
import { safeText } from '../safe-text.js';

/** Bytes queued towards the endpoint before the local side is paused. */
export const SEND_HIGH_WATER = 1024 * 1024;
/** How long a closing tunnel (or the local side after our FIN) may make no progress before it is cut: the one close grace of eic. */
export const CLOSE_GRACE_MS = 2_000;
export const DEFAULT_KEEPALIVE_MS = 30_000;

export interface LinkOptions {
  logger?: Logger;
  /** Ping interval; 0 turns keep-alive off. Default 30000. */
  keepAliveMs?: number;
}

export interface LinkEnd {
  code: number;
  reason: string;
  /** Set when the tunnel failed; undefined for a normal end. */
  error?: EicError;
}

export interface LinkHandlers {
  /**
   * Tunnel bytes, in order. With `reuse`, `release` comes along: the chunk's buffer may be
   * filled again once it has been called, so call it when the chunk has been written.
   */
  onData(chunk: Buffer, release?: () => void): void;
  /** The handler calls `release` for its chunks (a writer, not a buffering reader). */
  reuse?: boolean;
  /** Called once, when the WebSocket is closed. */
  onEnd(end: LinkEnd): void;
}

const SEND_OPTS = { binary: true, compress: false, fin: true } as const;

export function tunnelLost(detail?: string): EicError {
  return new EicError('tunnel-lost', `tunnel connection lost${detail ? ` (${detail})` : ''}`,
    'the endpoint or the network dropped the connection; try again');
}

export class TunnelLink {
  bytesIn = 0;
  bytesOut = 0;
  private closing = false;
  private ended = false;
  private failure?: EicError;
  private wsError?: Error & { code?: string };
  private inboundPaused = false;
  private alive = true;
  private pingOutstanding = false;
  /** The endpoint has answered a ping on this tunnel: from then on a missing pong is a loss. */
  private answersPings = false;
  private lastQueued = 0;
  private graceTimer?: NodeJS.Timeout;
  private keepAliveTimer?: NodeJS.Timeout;
  private readonly log: Logger;
  /** Borrowed payload for a `reuse` handler; a failed tunnel delivers nothing more. */
  private readonly batches = new Batcher((chunk, release) => { if (!this.failure) this.handlers.onData(chunk, release); });

  constructor(private readonly ws: WebSocket, private readonly handlers: LinkHandlers, opts: LinkOptions = {}) {
    this.log = opts.logger ?? silentLogger;
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
    // Binary payload straight from the socket's chunks (frame-reader.ts says why); ws's
    // 'message' then only carries text frames, or everything if the reader could not attach.
    if (ws.readyState === WebSocket.OPEN) {
      const attached = attachFrameReader(ws, {
        onPayload: this.onBinary,
        onProtocolError: (what) => this.fail(new EicError('tunnel-invalid-data', `received invalid data from the endpoint (${what})`)),
      });
      if (!attached) this.log.debug('tunnel: ws internals not as expected; inbound frames take ws\'s slower path');
    }
    const every = opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (every > 0) this.keepAliveTimer = setInterval(this.keepAlive, every).unref();
    // A tunnel that died between connectTunnel() and here will not emit 'close' again.
    if (ws.readyState === WebSocket.CLOSED) queueMicrotask(() => this.onClose(1006, Buffer.alloc(0)));
  }

  /** Start reading from the tunnel (connectTunnel hands the socket over paused). */
  start(): void {
    if (!this.inboundPaused) this.ws.resume();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Queue a chunk towards the endpoint. Returns false when the caller should stop producing;
   * `onDrain` is then called once, when the queue has room again and the chunk is all queued.
   * Never called when true.
   */
  send(chunk: Buffer, onDrain: () => void): boolean {
    const n = chunk.length;
    // After a close there is nowhere to send to; the end handler is on its way.
    if (n === 0 || this.closing || this.ws.readyState !== WebSocket.OPEN) return true;
    // Equal parts, so a 64 KiB read becomes 2 × 32 KiB rather than 65,000 + 536.
    const size = n <= MAX_CLIENT_FRAME_BYTES ? n : Math.ceil(n / Math.ceil(n / MAX_CLIENT_FRAME_BYTES));
    return this.pump(chunk, 0, size, onDrain);
  }

  /**
   * Send frames of `chunk` from `off` until the queue is full; the frame that fills it carries
   * the callback that goes on from there. A chunk of any size thus never queues more than
   * SEND_HIGH_WATER plus one frame. Returns true when the whole chunk went out without filling.
   */
  private pump(chunk: Buffer, off: number, size: number, onDrain: () => void): boolean {
    const ws = this.ws;
    const n = chunk.length;
    while (off < n) {
      const end = Math.min(off + size, n);
      this.bytesOut += end - off;
      if (ws.bufferedAmount + (end - off) >= SEND_HIGH_WATER) {
        ws.send(chunk.subarray(off, end), SEND_OPTS, (err?: Error) => {
          this.alive = true;
          // Closed meanwhile (or cut after a local error): drop the rest, let the caller go on.
          if (err || this.closing || ws.readyState !== WebSocket.OPEN || end === n || this.pump(chunk, end, size, onDrain)) onDrain();
        });
        return false;
      }
      ws.send(off === 0 && end === n ? chunk : chunk.subarray(off, end), SEND_OPTS);
      off = end;
    }
    return true;
  }

  pauseInbound(): void {
    if (this.inboundPaused) return;
    this.inboundPaused = true;
    this.ws.pause();
  }

  resumeInbound(): void {
    if (!this.inboundPaused) return;
    this.inboundPaused = false;
    // No pong could be read while paused: the next keep-alive check starts a fresh interval.
    this.alive = true;
    this.ws.resume();
  }

  /**
   * End the tunnel normally: a close frame (1000) queued after everything already sent. If
   * the endpoint neither answers nor takes our queued bytes for CLOSE_GRACE_MS, cut it.
   */
  close(): void {
    if (this.closing || this.ended) return;
    this.closing = true;
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    let last = ws.bufferedAmount;
    const check = () => {
      const now = ws.bufferedAmount;
      if (now > 0 && now < last) {
        last = now;
        this.graceTimer = setTimeout(check, CLOSE_GRACE_MS).unref();
      } else {
        this.log.debug('the endpoint did not finish closing the tunnel in time; cutting it');
        ws.terminate();
      }
    };
    this.graceTimer = setTimeout(check, CLOSE_GRACE_MS).unref();
  }

  /** Cut the tunnel at once (the local side failed). The end is reported as normal. */
  terminate(): void {
    if (this.ended) return;
    this.closing = true;
    this.ws.terminate();
  }

  /** Fail the tunnel with an error: it is cut and the error reported through onEnd. */
  private fail(err: EicError): void {
    this.batches.flush(); // what arrived before the bad frame is delivered
    this.failure ??= err;
    this.ws.terminate();
  }

  private readonly onMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.failure) return;
    this.alive = true;
    if (!isBinary) {
      this.fail(new EicError('tunnel-invalid-data', 'received invalid data from the endpoint (a text frame)',
        'the endpoint did not speak the OpenTunnel protocol; check --eice-dns-name and any proxy in between'));
      return;
    }
    this.onBinary(data);
  };

  private readonly onBinary = (data: Buffer, borrowed = false): void => {
    if (this.failure || data.length === 0) return;
    this.alive = true;
    this.bytesIn += data.length;
    if (!borrowed) {
      this.batches.flush();
      this.handlers.onData(data);
    } else if (!this.handlers.reuse) {
      this.handlers.onData(Buffer.from(data));
    } else {
      this.batches.add(data);
    }
  };

  private readonly onPong = (): void => {
    this.alive = true;
    this.answersPings = true;
    this.pingOutstanding = false;
  };

  private readonly onError = (err: Error): void => {
    this.wsError ??= err;
  };

  private readonly keepAlive = (): void => {
    // Judge after this turn's I/O: a timer that fires late (the process stalled or was
    // suspended) runs before the bytes that arrived meanwhile are read, and they prove the
    // tunnel alive. Judged at once, a busy machine made a live tunnel look lost.
    setImmediate(this.checkAlive);
  };

  private readonly checkAlive = (): void => {
    if (this.ended || this.ws.readyState !== WebSocket.OPEN) return;
    // Our queue moving means the peer takes bytes; a pong may be stuck behind them.
    const queued = this.ws.bufferedAmount;
    if (queued !== this.lastQueued) this.alive = true;
    this.lastQueued = queued;
    // While we are not reading (the local side is slow) a pong cannot arrive: not a loss.
    if (this.answersPings && this.pingOutstanding && !this.alive && !this.inboundPaused) {
      this.fail(tunnelLost('no answer to keep-alive ping'));
      return;
    }
    this.alive = false;
    this.pingOutstanding = true;
    this.ws.ping();
  };

  private readonly onClose = (code: number, reasonBuf: Buffer): void => {
    if (this.ended) return;
    this.batches.flush(); // what arrived before the close goes first
    this.ended = true;
    clearTimeout(this.graceTimer);
    clearInterval(this.keepAliveTimer);
    const reason = reasonBuf.toString('utf8');
    const error = this.failure ?? this.classify(code, reason);
    this.log.debug(`tunnel closed (code ${code}${reason ? `, ${reason}` : ''})${error ? `: ${error.message}` : ''}`);
    this.handlers.onEnd({ code, reason, error });
  };

  private classify(code: number, reason: string): EicError | undefined {
    // 1005: a close frame without a code, as the reference client sends; a normal end.
    if (code === 1000 || code === 1005) return undefined;
    const e = this.wsError;
    if (e?.code?.startsWith('WS_ERR')) {
      return new EicError('tunnel-invalid-data', `received invalid data from the endpoint (${e.message})`);
    }
    if (code === 1006) {
      // We cut it ourselves (local end or local error): not a tunnel failure.
      if (this.closing) return undefined;
      return tunnelLost(e?.message);
    }
    // The reason is the endpoint's text, for the user (e.g. "Unable to connect to target").
    const said = safeText(reason);
    return new EicError('tunnel-closed',
      said ? `tunnel closed by the endpoint: ${said} (code ${code})` : `tunnel closed by the endpoint with code ${code}`);
  }
}
