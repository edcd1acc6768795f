/**
 * The tunnel as a Duplex, for ssh2's `sock` option (ssh2 speaks SSH over it in-process).
 * Same framing, backpressure and error rules as relay(), through the stream machinery:
 * push() returning false pauses the WebSocket and _read() resumes it; _write() completes at
 * once while the WebSocket queue is under its high-water mark, else when it has flushed.
 *
 * Close policy (no half-close): end() sends a close frame (1000) after all written data and
 * the stream finishes once the tunnel has closed (cut after a grace if the endpoint is silent).
 * A normal close by the endpoint ends the readable side, which ends the writable side too.
 * A failed tunnel (close code other than 1000/1005, text frame, drop, no pong) destroys the
 * stream with the EicError. destroy() without an error closes the tunnel politely; with an
 * error it cuts it.
 */
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { TunnelLink, type LinkEnd, type LinkOptions } from './tunnel-link.js';

class TunnelDuplex extends Duplex {
  private readonly link: TunnelLink;
  private linkEnd?: LinkEnd;
  private finalCallback?: (err?: Error | null) => void;

  constructor(ws: WebSocket, opts: LinkOptions) {
    super({ allowHalfOpen: false, decodeStrings: true });
    this.link = new TunnelLink(ws, {
      onData: (chunk) => {
        if (this.destroyed || this.readableEnded) return;
        if (!this.push(chunk)) this.link.pauseInbound();
      },
      onEnd: (end) => this.onLinkEnd(end),
    }, opts);
    this.link.start();
  }

  get bytesIn(): number {
    return this.link.bytesIn;
  }

  get bytesOut(): number {
    return this.link.bytesOut;
  }

  override _read(): void {
    this.link.resumeInbound();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.link.send(chunk, () => callback())) callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.linkEnd) {
      callback();
      return;
    }
    this.finalCallback = callback;
    this.link.close();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.link.isEnded) {
      if (err) this.link.terminate();
      else this.link.close();
    }
    callback(err);
  }

  private onLinkEnd(end: LinkEnd): void {
    this.linkEnd = end;
    const final = this.finalCallback;
    this.finalCallback = undefined;
    if (end.error) {
      this.destroy(end.error); // a pending end() is answered by the destroy
      return;
    }
    this.push(null);
    final?.();
  }
}

export type TunnelStream = Duplex & { readonly bytesIn: number; readonly bytesOut: number };

export function tunnelStream(ws: WebSocket, opts: LinkOptions = {}): TunnelStream {
  return new TunnelDuplex(ws, opts);
}
