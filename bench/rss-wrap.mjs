// `node rss-wrap.mjs OUTFILE cmd args…`: run a command with our stdio (as a ProxyCommand does)
// and keep its peak RSS in KiB in OUTFILE and its CPU seconds in OUTFILE.cpu. ssh kills its
// ProxyCommand when the session ends, so both are written at every poll, not only at exit.
// Exits with the command's status.
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { cpuSeconds, peakRssKiB } from './rss.mjs';

const [out, cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit' });
let peak = 0;
// Whole or not at all: the benchmark reads these files as soon as ssh exits, which is when ssh's
// SIGHUP makes this process write them once more (a read between truncate and write saw "" = 0).
const put = (file, value) => {
  writeFileSync(`${file}.tmp`, value);
  renameSync(`${file}.tmp`, file);
};
const poll = () => {
  const now = peakRssKiB(child.pid);
  if (now > peak) put(out, String((peak = now)));
  const cpu = cpuSeconds(child.pid);
  if (cpu !== undefined) put(`${out}.cpu`, String(cpu));
};
const timer = setInterval(poll, 20);
for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT']) process.on(sig, () => { poll(); child.kill(sig); });
child.on('exit', (code, signal) => {
  clearInterval(timer);
  process.exit(code ?? (signal ? 128 : 1));
});
