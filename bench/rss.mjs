// Peak RSS and CPU time of another process, read from /proc/<pid>/status (VmHWM: the kernel's
// own high-water mark, so polling only has to catch the process before it exits) and
// /proc/<pid>/stat (utime + stime, in clock ticks of 1/100 s on Linux).
import { readFileSync } from 'node:fs';

export function peakRssKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds used so far; undefined once the process is gone. */
export function cpuSeconds(pid) {
  try {
    // Fields after the command name (which may hold spaces) start at field 3, the state.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Poll a pid until stopped; returns { stop(): peak KiB, cpu(): last CPU seconds seen }. */
export function watchRss(pid, everyMs = 20) {
  let peak = 0;
  let cpu = 0;
  const poll = () => { peak = Math.max(peak, peakRssKiB(pid)); cpu = cpuSeconds(pid) ?? cpu; };
  const t = setInterval(poll, everyMs);
  return { stop() { clearInterval(t); poll(); return peak; }, cpu: () => cpu };
}
