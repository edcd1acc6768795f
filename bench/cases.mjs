// Pieces of the benchmark: an `eic tunnel` listener, a slow reader, a timed run.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpuSeconds, watchRss } from './rss.mjs';

/**
 * Wall time in ms of one run of `cmd` (its output dropped). Asynchronous: the sandbox it talks to
 * answers from this process.
 */
export function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolve(performance.now() - t0);
    });
  });
}

/**
 * The environment of every benchmarked process: this one's, the sandbox's, `extra`, and no
 * NODE_EXTRA_CA_CERTS. eic reads the sandbox's CA from AWS_CA_BUNDLE. A NODE_EXTRA_CA_CERTS
 * left in the machine's environment (this one points it at the system bundle) makes Node 20
 * parse every root certificate at each start, before any of eic's code runs (35–60 ms here):
 * a cost of that shell, not of eic, which the latency table shows in rows of its own.
 */
export function benchEnv(sb, extra = {}) {
  const env = { ...process.env, ...sb.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Start `eic tunnel <inst> --local-port 0`; resolves with its port, its peak RSS so far, stop(). */
export function startTunnel(eic, inst, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [eic, 'tunnel', inst, '--local-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const w = watchRss(child.pid);
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Listening on [^\s]*:(\d+)/.exec(out);
      if (m) resolve({
        port: Number(m[1]),
        peak: () => { peak = Math.max(peak, w.stop()); return peak; },
        cpu: () => cpuSeconds(child.pid) ?? 0,
        // Resolves once it has exited (it writes its code cache on the way out).
        stop: () => { w.stop(); const gone = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); return gone; },
      });
    });
    child.stderr.resume();
    child.on('exit', (code) => reject(new Error(`eic tunnel exited ${code}`)));
  });
}

/**
 * Read a command's stdout at about 10 MB/s, so that every buffer between the instance and us
 * fills up: what matters then is how much memory eic lets itself hold. Resolves with the peak
 * RSS (KiB) that `rss` reports ('self' = the spawned process itself).
 */
export function slowReaderCase(cmd, args, env, rss, rssFile) {
  return new Promise((resolve, reject) => {
    if (rssFile) writeFileSync(rssFile, '0');
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const w = rss === 'self' ? watchRss(child.pid) : undefined;
    const perTick = 1_000_000; // 10 MB/s in 100 ms ticks
    let budget = perTick;
    let got = 0;
    const tick = setInterval(() => { budget = perTick; child.stdout.resume(); }, 100);
    child.stdout.on('data', (d) => {
      got += d.length;
      budget -= d.length;
      if (budget <= 0) child.stdout.pause();
    });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      clearInterval(tick);
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.trim()}`));
      resolve({ bytes: got, rssKiB: w ? w.stop() : rss() });
    });
  });
}

