/**
 * The progress bar of `eic cp`: one bar for the whole copy (bytes of all files), naming the
 * file in flight, drawn on stderr by cli-progress, and only on a terminal: scripts and logs
 * get nothing (no bar, no carriage returns). Notes (resume decisions) print above the bar.
 */
import cliProgress from 'cli-progress';
import { posix } from 'node:path';
import type { CopyEvents } from '../../sftp/copy.js';
import { formatBytes } from '../../sftp/copy.js';
import type { Io } from '../../io.js';
import { uptimeMs } from '../../clock.js';

export interface ProgressView extends CopyEvents {
  /** Leave the finished bar on screen (or erase it after a failure's message is due). */
  stop(): void;
}

const NAME_WIDTH = 20;
/** Everything on the line but the bar, at its widest (name, percent, sizes, speed, ETA). */
const TEXT_WIDTH = 72;

function shortName(path: string): string {
  const name = posix.basename(path);
  return name.length > NAME_WIDTH ? `…${name.slice(-(NAME_WIDTH - 1))}` : name.padEnd(NAME_WIDTH);
}

/** Bytes per second over the last few seconds (a whole-run average hides stalls). */
class Rate {
  private samples: Array<[number, number]> = [];
  add(total: number): number {
    const now = uptimeMs();
    this.samples.push([now, total]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 3000) this.samples.shift();
    const [t0, v0] = this.samples[0];
    return now - t0 > 0 ? ((total - v0) * 1000) / (now - t0) : 0;
  }
}

/** A bar on a TTY; otherwise notes only, through `note` (or nothing with -q). */
export function createProgress(io: Io, totalBytes: number, o: { quiet: boolean; note: (line: string) => void }): ProgressView {
  if (o.quiet) return { stop() {} };
  if (!io.stderr.isTTY) return { note: o.note, stop() {} };
  const multi = new cliProgress.MultiBar({
    stream: io.stderr as NodeJS.WritableStream,
    format: '{file} |{bar}| {percentage}% {done}/{size} {speed} ETA {eta_formatted}',
    // One line, never wrapped: the bar gets what the terminal's width leaves.
    barsize: Math.max(10, Math.min(40, ((io.stderr as { columns?: number }).columns ?? 80) - TEXT_WIDTH)),
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 8,
    etaBuffer: 50,
    autopadding: true,
  }, cliProgress.Presets.shades_classic);
  const size = formatBytes(totalBytes);
  let value = 0;
  let file = '';
  const rate = new Rate();
  const payload = () => ({ file, done: formatBytes(value), size, speed: `${formatBytes(Math.round(rate.add(value)))}/s` });
  // cli-progress divides by the total: an all-empty copy still wants a full bar.
  const bar = multi.create(Math.max(totalBytes, 1), 0, payload());
  return {
    fileStart(item, start) {
      file = shortName(item.dst);
      value += start;
      bar.update(value, payload());
    },
    bytes(n) {
      value += n;
      bar.update(value, payload());
    },
    note(line) { multi.log(`${line}\n`); },
    stop() {
      if (totalBytes === 0) bar.update(1, payload());
      else bar.update(value, payload());
      multi.stop();
    },
  };
}
