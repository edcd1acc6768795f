/**
 * One tunnel: bytes between an accepted WebSocket and the instance's TCP port, with
 * backpressure both ways, the post-upgrade faults, and maxTunnelDuration. This function owns
 * every close of the tunnel, so the close policy lives in one place:
 *
 * - the instance's port refuses or is absent: close 1011 "Unable to connect to target";
 * - the instance ends the TCP connection: close 1000 (a normal end, like EICE);
 * - the client closes or drops: the TCP connection is destroyed (there is no half-close);
 * - maxTunnelDuration runs out: close 1008 with a reason naming maxTunnelDuration
 *   (MAX_DURATION_CLOSE_CODE; AWS closes with a reason too, its code is not documented).
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Fault } from './faults.js';
import { FrameWriter } from './frame-writer.js';
import type { Logger } from '../log.js';
import { UNABLE_TO_CONNECT } from '../eice.js';

export const MAX_DURATION_CLOSE_CODE = 1008;
/**
 * Frames towards the client never exceed this (no TCP read is larger, see READ_BYTES). The
 * client's own limit the other way is MAX_CLIENT_FRAME_BYTES (eice.ts): the protocol sets none
 * for the endpoint's frames.
 */
export const FRAME_BYTES_TO_CLIENT = 64 * 1024;
/**
 * The most one TCP read from the instance brings. With its 4-byte header a full read makes a
 * frame of exactly 64 KiB, four full TLS records (a 64 KiB payload would need a 10-byte header
 * and a fifth record for those 10 bytes).
 */
const READ_BYTES = FRAME_BYTES_TO_CLIENT - 4;
/** Pause reading one side when this much waits to be written to the other. */
const HIGH_WATER = 2 * 1024 * 1024;

export interface RelayOptions {
  ws: WebSocket;
  /** The upgraded TLS socket under `ws`: frames towards the client are written to it directly (its 'drain' resumes the instance side). */
  raw: Duplex;
  /** Where the instance listens on the requested port; undefined when nothing does. */
  target?: { host: string; port: number };
  fault?: Fault;
  maxTunnelDuration: number;
  logger: Logger;
  label: string;
}

interface Trigger { at: number; fire: () => boolean /* true = stop relaying */ }

export function relay(o: RelayOptions): void {
  const { ws, raw, logger } = o;
  let tcp: Socket | undefined;
  let sent = 0;
  let received = 0;
  const started = Date.now();

  const timer = setTimeout(() => {
    close(MAX_DURATION_CLOSE_CODE, `Tunnel closed: maxTunnelDuration of ${o.maxTunnelDuration} seconds reached`);
  }, o.maxTunnelDuration * 1000);

  function close(code: number, reason: string): void {
    tcp?.destroy();
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    try {
      // A close reason is at most 123 bytes; ws throws on more, or on a code it may not send.
      ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    } catch (err) {
      logger.warn(`${o.label}: cannot close with ${code}: ${(err as Error).message}`);
      ws.terminate();
    }
  }

  ws.on('close', (code, reason) => {
    clearTimeout(timer);
    tcp?.destroy();
    logger.debug(`${o.label}: closed (${code}${reason.length ? ' ' + reason.toString() : ''}) after ${Date.now() - started} ms, ${received} B in, ${sent} B out`);
  });
  ws.on('error', (err) => { logger.debug(`${o.label}: websocket error: ${err.message}`); tcp?.destroy(); });

  const fault = o.fault;
  if (fault?.kind === 'stall') {
    // Read nothing and send nothing: the client's frames pile up in the kernel buffers.
    ws.pause();
    return;
  }
  let trigger: Trigger | undefined = triggerFor(fault);
  if (trigger && trigger.at === 0) {
    const t = trigger;
    trigger = undefined;
    if (t.fire()) return;
  }
  if (!o.target) {
    close(1011, UNABLE_TO_CONNECT);
    return;
  }

  let connected = false;
  // The instance's bytes go out as frames built in place (frame-writer.ts): each TCP read lands
  // in a pooled buffer behind room for the header, and header + payload is one TLS write.
  const writer = new FrameWriter(raw, READ_BYTES, Math.ceil(HIGH_WATER / READ_BYTES) + 4);
  const sock = connect({ ...o.target, onread: { buffer: writer.nextReadBuffer, callback: onRead } });
  tcp = sock;
  sock.setNoDelay(true);
  sock.on('connect', () => { connected = true; });
  sock.on('error', (err) => {
    logger.debug(`${o.label}: target ${o.target!.host}:${o.target!.port}: ${err.message}`);
    close(1011, connected ? 'Connection to target lost' : UNABLE_TO_CONNECT);
  });
  sock.on('close', () => {
    // A normal end from the instance side; the error path has already chosen its code.
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });

  /** One TCP read of `n` bytes (≤ READ_BYTES) into `buf`, which is reused once this returns. */
  function onRead(n: number, buf: Uint8Array): boolean {
    // Once the WebSocket is closing, bytes are dropped, as ws.send drops them.
    if (ws.readyState !== ws.OPEN || !raw.writable) return true;
    const chunk = buf as Buffer;
    if (trigger && sent + n >= trigger.at) {
      if (toClientAtFault(chunk.subarray(0, n))) return true;
    } else {
      if (!writer.sendRead(chunk, n)) writer.sendCopy(chunk.subarray(0, n));
      sent += n;
    }
    // Up to HIGH_WATER may wait in the TLS socket; more, and the instance waits for 'drain'.
    if (raw.writableLength > HIGH_WATER && !sock.isPaused()) {
      sock.pause();
      raw.once('drain', () => sock.resume());
    }
    return true;
  }

  let wsPaused = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      close(1003, 'Text frames are not supported; send binary frames');
      return;
    }
    received += data.length;
    sock.write(data);
    // Not on every false from write(): a 64 KiB frame always exceeds the socket's 16 KiB mark,
    // and pausing per frame halves the throughput. Up to HIGH_WATER may wait in userland.
    if (sock.writableLength > HIGH_WATER && !wsPaused) {
      wsPaused = true;
      ws.pause();
      sock.once('drain', () => { wsPaused = false; ws.resume(); });
    }
  });

  /**
   * Send a read that reaches the pending fault's offset: the bytes before it, the fault, then
   * (unless the fault ended the relay) the rest. Copies, as the read buffer is split. True
   * when the fault ended the relay.
   */
  function toClientAtFault(chunk: Buffer): boolean {
    let off = 0;
    while (off < chunk.length) {
      let end = chunk.length;
      const t = trigger;
      if (t && sent + (end - off) >= t.at) {
        end = off + (t.at - sent);
        if (end > off) writer.sendCopy(chunk.subarray(off, end));
        sent += end - off;
        off = end;
        trigger = undefined;
        if (t.fire()) return true;
        continue;
      }
      writer.sendCopy(chunk.subarray(off, end));
      sent += end - off;
      off = end;
    }
    return false;
  }

  function triggerFor(f: Fault | undefined): Trigger | undefined {
    if (!f) return undefined;
    switch (f.kind) {
      case 'close-after':
        return { at: f.bytes, fire: () => { close(f.code, f.reason); return true; } };
      case 'text-frame':
        return { at: f.afterBytes ?? 0, fire: () => { ws.send(f.text ?? 'sandbox fault: unexpected text frame'); return false; } };
      case 'drop':
        // end() rather than destroy(): the bytes before the drop still reach the client, then
        // TCP ends with no WebSocket close frame (the client sees 1006).
        return { at: f.afterBytes ?? 0, fire: () => { tcp?.destroy(); raw.end(); setTimeout(() => raw.destroy(), 2000).unref(); return true; } };
      default:
        return undefined;
    }
  }
}
