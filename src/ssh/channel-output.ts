/**
 * A remote command's stdout and stderr to the local ones. ssh2 hands over stdout one SSH packet
 * (32 KiB at most) at a time; written as they come that is one write() system call and one trip
 * through the stream machinery per packet. Here a turn's packets are copied into one batch and
 * written once (tunnel/batch.ts), in reused buffers. That needs a writer that is done with a chunk
 * once it has called back (a file descriptor: a file, pipe, socket or terminal); any other
 * writer (a stream in memory, in tests) gets the packets as they come.
 *
 * Order: stderr data first flushes the stdout gathered before it, so the two keep the order in
 * which they arrived (as seen when both go to one file). Backpressure: a write that returns false
 * pauses the channel until 'drain'; ssh2 then stops renewing the remote side's window once its
 * own buffer (2 MiB) is full, so a slow reader holds eic's memory to a few MiB.
 */
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { Batcher } from '../tunnel/batch.js';

const noop = (): void => {};

export interface ChannelOutput {
  /** Write what is gathered now (before the end of the session is reported). */
  flush(): void;
  /** Flush, then stop listening; nothing is written after this. */
  stop(): void;
}

/** The channel as this module needs it: stdout data, and stderr as `.stderr`. */
export type OutputChannel = Readable & { stderr: Readable };

/**
 * True when `w` is finished with a chunk's memory once its write has called back: a writer on a
 * file descriptor (net.Socket, tty, process.stdout on a file or pipe, fs.WriteStream). A stream
 * in memory (a PassThrough) keeps the chunk itself.
 */
export function writesThrough(w: Writable): boolean {
  return w instanceof Socket || typeof (w as { fd?: unknown }).fd === 'number';
}

export function channelOutput(channel: OutputChannel, stdout: Writable, stderr: Writable): ChannelOutput {
  let stopped = false;
  let waitingDrain = false;
  const resume = () => {
    waitingDrain = false;
    if (!stopped) channel.resume();
  };
  const write = (chunk: Buffer, release: () => void) => {
    // After an EPIPE (`| head`) the session is ending: a write to the destroyed stream would
    // only raise a second error.
    if (stopped || stdout.destroyed) return release();
    if (!stdout.write(chunk, release) && !waitingDrain) {
      waitingDrain = true;
      channel.pause();
      stdout.once('drain', resume);
    }
  };
  const out = writesThrough(stdout) ? new Batcher(write) : undefined;

  const onData = out ? (d: Buffer) => out.add(d) : (d: Buffer) => write(d, noop);
  const onEnd = () => out?.flush();
  let stderrWaiting = false;
  const resumeStderr = () => {
    stderrWaiting = false;
    if (!stopped) channel.stderr.resume();
  };
  const onStderr = (d: Buffer) => {
    out?.flush();
    if (!stderr.write(d) && !stderrWaiting) {
      stderrWaiting = true;
      channel.stderr.pause();
      stderr.once('drain', resumeStderr);
    }
  };
  channel.on('data', onData);
  channel.on('end', onEnd);
  channel.stderr.on('data', onStderr);
  return {
    flush: () => { if (!stopped) out?.flush(); },
    stop() {
      if (stopped) return;
      out?.flush();
      stopped = true;
      channel.removeListener('data', onData);
      channel.removeListener('end', onEnd);
      channel.stderr.removeListener('data', onStderr);
      stdout.removeListener('drain', resume);
      stderr.removeListener('drain', resumeStderr);
    },
  };
}
