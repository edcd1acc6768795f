/**
 * Copy one open file to another with many requests in flight: reads run ahead (up to the
 * source side's depth), writes go out strictly in offset order (up to the destination side's
 * depth). In-order writes are what make a failed copy resumable: OpenSSH's sftp-server applies
 * requests in the order they arrive, so whatever reached the instance is a prefix of the file,
 * and a failed download is cut back to the prefix that was acknowledged.
 */
import type { ReadableFile, WritableFile } from './fs.js';

export interface PipeOptions {
  /** Bytes to copy up to (the source's size when the copy began; a file that grows is cut there). */
  size: number;
  /** Offset to start at (a resume); 0 normally. */
  start: number;
  chunkSize: number;
  readDepth: number;
  writeDepth: number;
  /** Called as the acknowledged, contiguous prefix grows, with the bytes it grew by. */
  onBytes?: (n: number) => void;
}

/** A copy that failed midway: `done` bytes from the start of the file are known to be written. */
export class PipeFailure extends Error {
  constructor(readonly done: number, readonly side: 'read' | 'write', options: { cause: unknown }) {
    super(`${side} failed after ${done} bytes: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.name = 'PipeFailure';
  }
}

interface Chunk { index: number; pos: number; len: number; buf: Buffer; got: number; read: boolean; written: boolean }

/** Returns the end position (= size, or less if the source shrank while being copied). */
export function pipeFile(src: ReadableFile, dst: WritableFile, o: PipeOptions): Promise<number> {
  const maxAlive = Math.max(o.readDepth, o.writeDepth) + Math.min(o.readDepth, o.writeDepth);
  const pool: Buffer[] = [];
  const chunks = new Map<number, Chunk>();
  let nextPos = o.start;
  let nextIndex = 0;
  let nextWrite = 0;
  let nextAck = 0;
  let done = o.start;
  let reads = 0;
  let writes = 0;
  let eof = false;
  let failure: PipeFailure | undefined;

  return new Promise<number>((resolve, reject) => {
    const settle = () => {
      if (reads > 0 || writes > 0) return false;
      if (failure) { reject(failure); return true; }
      if ((nextPos >= o.size || eof) && nextWrite === nextIndex) { resolve(done); return true; }
      return false;
    };
    const fail = (side: 'read' | 'write', err: unknown) => {
      failure ??= new PipeFailure(done, side, { cause: err });
    };

    const readChunk = async (c: Chunk) => {
      // SFTP may return less than asked (servers cap a read); ask again for the rest.
      while (c.got < c.len) {
        const n = await src.read(c.buf, c.got, c.len - c.got, c.pos + c.got);
        if (n === 0) { eof = true; break; }
        c.got += n;
      }
    };

    const ack = () => {
      for (let c = chunks.get(nextAck); c?.written; c = chunks.get(nextAck)) {
        chunks.delete(nextAck++);
        done += c.got;
        pool.push(c.buf);
        if (c.got > 0) o.onBytes?.(c.got);
      }
    };

    const pump = () => {
      if (settle()) return;
      if (failure) return;
      // Writes first, strictly in order.
      for (let c = chunks.get(nextWrite); c?.read && writes < o.writeDepth; c = chunks.get(nextWrite)) {
        nextWrite++;
        if (c.got === 0) { c.written = true; ack(); continue; }
        writes++;
        const chunk = c;
        dst.write(chunk.buf, 0, chunk.got, chunk.pos).then(
          () => { writes--; chunk.written = true; ack(); pump(); },
          (err) => { writes--; fail('write', err); pump(); },
        );
      }
      while (!eof && nextPos < o.size && reads < o.readDepth && chunks.size < maxAlive) {
        const len = Math.min(o.chunkSize, o.size - nextPos);
        const c: Chunk = { index: nextIndex, pos: nextPos, len, buf: pool.pop() ?? Buffer.allocUnsafe(o.chunkSize), got: 0, read: false, written: false };
        chunks.set(nextIndex++, c);
        nextPos += len;
        reads++;
        readChunk(c).then(
          () => { reads--; c.read = true; pump(); },
          (err) => { reads--; fail('read', err); pump(); },
        );
      }
      settle();
    };
    pump();
  });
}
