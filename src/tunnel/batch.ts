/**
 * Inbound payload for a local writer, gathered into reused buffers. The frame reader hands over
 * views of the TLS socket's one read buffer, which is filled again as soon as the call returns;
 * copying them here, and handing the result on once per turn of the event loop (or when a batch
 * is full), makes one local write per turn and, once a few batches exist, no allocation at all:
 * the writer gives each batch back (`release`) when it has been written.
 */

/** One batch: big enough for a turn's worth of 16 KiB reads at full speed. */
export const BATCH_BYTES = 256 * 1024;
/** Released batches kept for reuse. */
const SPARE_BATCHES = 4;
/**
 * The spare batches are the process's, not one Batcher's: `eic tunnel` makes a Batcher per
 * connection, and spares of each connection's own would wait for a full garbage collection,
 * which V8 runs for memory outside its heap only late, so RSS would grow with every connection.
 * A batch is in one Batcher's hands from pop() until its release.
 */
const spare: Buffer[] = [];

export class Batcher {
  private batch?: Buffer;
  private length = 0;
  private queued = false;

  /** `deliver` gets each batch in order, with the callback that makes its buffer reusable. */
  constructor(private readonly deliver: (chunk: Buffer, release: () => void) => void) {}

  /** Copy a borrowed piece in; a batch that fills up is handed on at once. */
  add(data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      this.batch ??= spare.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
      const n = data.copy(this.batch, this.length, off);
      this.length += n;
      off += n;
      if (this.length === this.batch.length) this.flush();
    }
    if (!this.queued && this.length > 0) {
      this.queued = true;
      setImmediate(this.flushQueued);
    }
  }

  /** Hand on what is gathered now (before data that must not overtake it, or at the end). */
  flush(): void {
    const buf = this.batch;
    if (!buf || this.length === 0) return;
    const chunk = buf.subarray(0, this.length);
    this.batch = undefined;
    this.length = 0;
    this.deliver(chunk, () => {
      if (spare.length < SPARE_BATCHES) spare.push(buf);
    });
  }

  private readonly flushQueued = (): void => {
    this.queued = false;
    this.flush();
  };
}
