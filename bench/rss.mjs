// Peak RSS of another process, read from /proc/<pid>/status (VmHWM: the kernel's own
// high-water mark, so polling only has to catch the process before it exits).
import { readFileSync } from 'node:fs';

export function peakRssKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Poll a pid until stopped; returns { stop(): peak KiB }. */
export function watchRss(pid, everyMs = 20) {
  let peak = 0;
  const t = setInterval(() => { peak = Math.max(peak, peakRssKiB(pid)); }, everyMs);
  return { stop() { clearInterval(t); peak = Math.max(peak, peakRssKiB(pid)); return peak; } };
}
