/**
 * Reads the endpoint's binary frames off the TLS socket ourselves, after ws has done the
 * handshake, and hands their payload on as views of what the socket read.
 *
 * Why: Node's TLS layer hands over plaintext in 16 KiB pieces, each a fresh ArrayBuffer, and ws
 * joins the pieces of every frame into one more fresh buffer (the endpoint sends 64 KiB
 * frames): 2 GiB of short-lived ArrayBuffers per GiB downloaded. V8 frees those only when a
 * collection finds them dead; the young ones pile up until the external-memory limit forces a
 * full mark-compact (a large share of eic's CPU), and meanwhile the malloc heap grows by tens of
 * MiB that it never gives back (most of the peak RSS). So: no joining here (payload views), and
 * with tlsReadOption() the TLS layer reads into one reused buffer, so no ArrayBuffer is made
 * per read at all; the consumer copies what it keeps (tunnel-link.ts batches it).
 *
 * ws stays in charge of everything else: the bytes of every frame we do not take (ping, pong,
 * close, text frames, and anything malformed) go to ws's own Receiver unchanged, so answers to
 * pings, the close handshake, text-frame and protocol errors behave exactly as before. We take
 * only well-formed server frames of binary messages: opcode 2 (and its continuation frames),
 * no RSV bits, no mask. The first frame we cannot frame with certainty switches us to
 * pass-through for the rest of the connection (ws will fail it).
 *
 * This relies on three private fields of ws 8 (`_socket`, `_receiver`, `_closeFrameReceived`)
 * and on ws's socket 'data' listener being the only one; attach() checks what it can and
 * returns false when the shape is not as expected, and the caller keeps ws's own path.
 */
import type { Duplex, Writable } from 'node:stream';
import type WebSocket from 'ws';

export interface FrameReaderHandlers {
  /**
   * A piece of binary payload. When `borrowed` is true it is a view of a buffer that is reused
   * as soon as this call returns: copy what must be kept. Otherwise it may be kept as it is.
   */
  onPayload(piece: Buffer, borrowed: boolean): void;
  /** The stream broke the framing rules in a way ws cannot see (it never saw our frames). */
  onProtocolError(message: string): void;
}

interface WsInternals {
  _socket?: Duplex | null;
  _receiver?: (Writable & { _bufferedBytes?: number }) | null;
  _closeFrameReceived?: boolean;
}

const enum Mode { Frames, PassThrough, Done }
const enum Owner { Us, Ws }

/** The largest frame header: 2 bytes, 8 of extended length, 4 of mask key. */
const MAX_HEADER = 14;

/**
 * Node can read a TLS socket into one buffer of ours, reused for every read, instead of a fresh
 * ArrayBuffer per 16 KiB (tls.connect's `onread`, which ws passes through). Before a frame
 * reader is attached (the HTTP upgrade, or a caller that uses ws's own events) a copy of each
 * read is pushed into the socket's readable side, so the socket behaves as a plain one.
 */
interface Tap { reader?: (view: Buffer) => void }
const taps = new WeakMap<object, Tap>();
/** What Node's TLS layer hands over at most per read. */
const TLS_READ_BYTES = 16 * 1024;

export interface TlsReadOption {
  buffer: Buffer;
  callback: (this: Duplex, bytes: number, buffer: Buffer) => boolean;
}

/** A fresh `onread` option for one tls.connect (one buffer per connection). */
export function tlsReadOption(): TlsReadOption {
  const tap: Tap = {};
  const buffer = Buffer.allocUnsafe(TLS_READ_BYTES);
  return {
    buffer,
    callback(bytes) {
      const view = buffer.subarray(0, bytes);
      if (tap.reader) {
        tap.reader(view);
        return true;
      }
      taps.set(this, tap);
      // push(), not emit('data'): a paused socket (connectTunnel pauses it on 'open', maybe
      // between two records of one read) must keep the bytes, as it does without `onread`.
      return this.push(Buffer.from(view));
    },
  };
}

/** Returns false (and changes nothing) when ws is not in the expected shape. */
export function attachFrameReader(ws: WebSocket, handlers: FrameReaderHandlers): boolean {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  const receiver = internals._receiver;
  if (!socket || !receiver || typeof receiver.write !== 'function') return false;
  // Nothing may have reached ws's receiver yet, or we would start in the middle of a frame.
  if (receiver._bufferedBytes !== 0 || receiver.writableLength !== 0) return false;
  const wsListeners = socket.listeners('data');
  if (wsListeners.length !== 1) return false;
  const wsOnData = wsListeners[0] as (chunk: Buffer) => void;

  let mode = Mode.Frames;
  let owner = Owner.Us;
  let remaining = 0; // payload bytes of the current frame still to come
  let ourMessageOpen = false; // a fragmented binary message of ours is in progress
  let wsMessageOpen = false; // a fragmented text message (ws's) is in progress
  const header = Buffer.alloc(MAX_HEADER);
  let headerHave = 0;

  const tap = taps.get(socket);
  /** True while the bytes being parsed are a view of the tap's reused buffer. */
  let borrowed = false;

  /** Give bytes to ws's receiver, as ws's own listener would; notice when ws is done. */
  function toWs(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // The receiver keeps what it is given until a frame is complete.
    if (!receiver!.write(borrowed ? Buffer.from(bytes) : bytes)) socket!.pause(); // ws resumes it on 'drain'
    if (receiver!.destroyed || receiver!.writableEnded || internals._closeFrameReceived) {
      // ws has read a close frame or failed the stream; it drains the socket from here on.
      stop();
    }
  }

  /** The length of a frame header, from its first two bytes. */
  function headerLength(b0: number, b1: number): number {
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  /** Decide who reads the frame whose complete header is in `h`; sets `remaining` and `owner`. */
  function startFrame(h: Buffer, n: number): void {
    const b0 = h[0]!;
    const b1 = h[1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    // `header` is reused for the next split header: ws must get a copy of it.
    const bytes = () => (h === header ? Buffer.from(h.subarray(0, n)) : h.subarray(0, n));
    let len = len7;
    if (len7 === 126) len = h.readUInt16BE(2);
    else if (len7 === 127) {
      const high = h.readUInt32BE(2);
      // ws refuses lengths above 2^53 - 1; leave such a frame to ws to refuse.
      if (high > 0x1fffff) { passThrough(bytes()); return; }
      len = high * 2 ** 32 + h.readUInt32BE(6);
    }
    const clean = rsv === 0 && !masked;
    if (clean && ((opcode === 2 && !ourMessageOpen && !wsMessageOpen) || (opcode === 0 && ourMessageOpen))) {
      owner = Owner.Us;
      ourMessageOpen = !fin;
      remaining = len;
      return;
    }
    if (ourMessageOpen && (opcode === 1 || opcode === 2)) {
      // ws never saw the start of our message, so it could not catch this one.
      handlers.onProtocolError('a new message started inside a fragmented one');
      stop();
      return;
    }
    const control = opcode >= 8 && opcode <= 10 && fin && len <= 125;
    const text = opcode === 1 ? !wsMessageOpen && !ourMessageOpen : opcode === 0 && wsMessageOpen;
    if (clean && (control || text)) {
      if (text) wsMessageOpen = !fin;
      owner = Owner.Ws;
      remaining = len;
      toWs(bytes());
      return;
    }
    // Malformed or unknown: ws will fail the connection on this header.
    passThrough(bytes());
  }

  function passThrough(rest: Buffer): void {
    mode = Mode.PassThrough;
    toWs(rest);
  }

  function onData(chunk: Buffer): void {
    let off = 0;
    const end = chunk.length;
    while (off < end && mode === Mode.Frames) {
      if (remaining > 0) {
        const n = Math.min(remaining, end - off);
        const piece = chunk.subarray(off, off + n);
        remaining -= n;
        off += n;
        if (owner === Owner.Us) handlers.onPayload(piece, borrowed);
        else toWs(piece);
        continue;
      }
      // A frame header, possibly split across chunks.
      if (headerHave === 0 && end - off >= 2) {
        const n = headerLength(chunk[off]!, chunk[off + 1]!);
        if (end - off >= n) {
          const h = chunk.subarray(off, off + n);
          off += n;
          startFrame(h, n);
          continue;
        }
      }
      header[headerHave++] = chunk[off++]!;
      if (headerHave >= 2 && headerHave === headerLength(header[0]!, header[1]!)) {
        const n = headerHave;
        headerHave = 0;
        startFrame(header, n);
      }
    }
    if (off < end && mode === Mode.PassThrough) toWs(chunk.subarray(off));
  }

  /** A paused socket that closes still holds unread data: read it before ws does. */
  function onClose(): void {
    if (mode !== Mode.Done && socket!.readableLength > 0) {
      const rest = socket!.read(socket!.readableLength) as Buffer | null;
      if (rest) onData(rest);
    }
    stop();
  }

  function onTapRead(view: Buffer): void {
    borrowed = true;
    try {
      onData(view);
    } finally {
      borrowed = false;
    }
  }

  function stop(): void {
    if (mode === Mode.Done) return;
    mode = Mode.Done;
    if (tap) tap.reader = undefined;
    socket!.off('data', onData);
    socket!.off('close', onClose);
  }

  socket.off('data', wsOnData);
  // Bytes already buffered in the socket (the upgrade answer's tail) still come as 'data'.
  socket.on('data', onData);
  if (tap) tap.reader = onTapRead;
  socket.prependListener('close', onClose);
  return true;
}
