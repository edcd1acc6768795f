/**
 * WebSocket frames from the sandbox to the client, built by hand on the download path.
 *
 * Why this exists: the sandbox shares the machine with ssh, sshd and eic when we benchmark, so
 * its CPU per byte caps the tunnel's throughput. With a plain 'data' listener and ws.send, each
 * TCP read from the instance costs a fresh zero-filled 64 KiB buffer, and each frame a header
 * Buffer plus cork, two writes and uncork on the TLS socket. Here the instance's TCP socket
 * reads (net's `onread`) straight into a pooled buffer, HEADER_ROOM bytes in; the frame header
 * is written just in front of the payload, and header + payload go to the TLS socket in one
 * write, with no copy and no zero-fill.
 *
 * A buffer handed to write() may be held by the Writable (queued while an earlier write is in
 * flight) until that write's callback runs, so each buffer goes back to the pool only then.
 * The pool holds only what backpressure lets pile up (the caller pauses the TCP socket when the
 * TLS socket holds more than its high-water mark), so it stays bounded.
 *
 * ws still owns the connection otherwise (handshake, client frames, pings, close): its frames
 * and ours all go through the same socket's write() synchronously, one whole frame per call
 * sequence, so they never interleave and keep the order in which they were sent.
 */
import type { Writable } from 'node:stream';

/** Room kept in front of every read for the largest header a ≤ 64 KiB payload needs (127 + 8 bytes). */
export const HEADER_ROOM = 10;
const FIN_BINARY = 0x82;

/** Bytes of the header of an unmasked server frame carrying `n` bytes (the minimal encoding, RFC 6455 §5.2). */
export function headerLength(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

/**
 * Write the header of an unmasked FIN binary frame of `n` payload bytes so that it ends at
 * `end` in `buf`; returns where it starts.
 */
export function putHeader(buf: Buffer, end: number, n: number): number {
  const start = end - headerLength(n);
  buf[start] = FIN_BINARY;
  if (n < 126) {
    buf[start + 1] = n;
  } else if (n < 65536) {
    buf[start + 1] = 126;
    buf.writeUInt16BE(n, start + 2);
  } else {
    buf[start + 1] = 127;
    buf.writeUInt32BE(Math.floor(n / 2 ** 32), start + 2);
    buf.writeUInt32BE(n >>> 0, start + 6);
  }
  return start;
}

interface Slot {
  /** HEADER_ROOM bytes of room, then the read area. */
  whole: Buffer;
  /** The read area, handed to `onread`. */
  view: Buffer;
  /** The write callback that returns this slot to the pool. */
  release: () => void;
}

export class FrameWriter {
  private readonly free: Slot[] = [];
  private current: Slot | undefined;
  private readonly keep: number;

  /**
   * `socket` is the upgraded TLS socket; `readBytes` the most one read may bring (and so the
   * largest frame); `keepFree` how many idle buffers to keep for reuse.
   */
  constructor(private readonly socket: Writable, private readonly readBytes: number, keepFree: number) {
    this.keep = keepFree;
  }

  /** The buffer for the next TCP read (net's `onread.buffer` generator). */
  readonly nextReadBuffer = (): Buffer => {
    // A buffer whose bytes were copied out (sendCopy) rather than sent serves again.
    if (this.current) return this.current.view;
    let slot = this.free.pop();
    if (!slot) {
      const whole = Buffer.allocUnsafe(HEADER_ROOM + this.readBytes);
      const s: Slot = { whole, view: whole.subarray(HEADER_ROOM), release: () => this.giveBack(s) };
      slot = s;
    }
    this.current = slot;
    return slot.view;
  };

  /**
   * Send the first `n` bytes of `view`, which a read just filled, as one frame. Returns
   * false when `view` is not the buffer this writer handed out last (the caller copies instead).
   */
  sendRead(view: Buffer, n: number): boolean {
    const slot = this.current;
    if (!slot || view !== slot.view) return false;
    this.current = undefined;
    const start = putHeader(slot.whole, HEADER_ROOM, n);
    this.socket.write(slot.whole.subarray(start, HEADER_ROOM + n), slot.release);
    return true;
  }

  /** Send `payload` (≤ 64 KiB, not kept) as one frame, copied: for the rare paths. */
  sendCopy(payload: Buffer): void {
    const h = headerLength(payload.length);
    const frame = Buffer.allocUnsafe(h + payload.length);
    putHeader(frame, h, payload.length);
    payload.copy(frame, h);
    this.socket.write(frame);
  }

  private giveBack(slot: Slot): void {
    if (this.free.length < this.keep) this.free.push(slot);
  }
}
