/**
 * Nothing a sandbox starts may outlive it, however it ends: close(), a signal, an uncaught
 * error, or SIGKILL, which runs no code at all. So each sandbox starts a watchdog, a tiny node
 * process in a session of its own (a signal to the sandbox's process group does not reach it)
 * that holds the read end of a pipe from the sandbox. The kernel closes the write end when the
 * sandbox's process ends, whatever ended it; on that EOF the watchdog kills every process whose
 * command line names the work directory (the sshd listeners, `-f DIR/sshd_config`) or whose
 * environment carries SANDBOX_SSHD_ENV naming it (sshd's per-connection processes and, through
 * sshd_config's SetEnv, the sessions' own: they keep living when their sshd is gone), with all their descendants (sshd's sessions call
 * setsid(), so no process group holds them), and removes the directory. close() disarms it after doing the same work itself.
 *
 * The directory also records its owner (pid and start time), so that a new sandbox can reap
 * directories whose owner is gone (left by a sandbox from before the watchdog, or a reboot of
 * /var/lib): the same script, run with its stdin already at EOF.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set in the environment of every sshd the sandbox starts (to a path inside its directory). */
export const SANDBOX_SSHD_ENV = 'EIC_SANDBOX_SSHD';

/** The watchdog's whole program (node -e), self-contained: it runs in a process of its own. */
const WATCHDOG = String.raw`
const fs = require('node:fs');
const dir = process.env.EIC_SANDBOX_WATCHDOG_DIR;
if (!dir || !dir.startsWith('/')) process.exit(0);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  if (input.includes('disarm')) return;
  const pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== process.pid);
  const cmdline = (p) => { try { return fs.readFileSync('/proc/' + p + '/cmdline', 'utf8'); } catch { return ''; } };
  const parent = (p) => { try { const s = fs.readFileSync('/proc/' + p + '/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); } catch { return -1; } };
  const environ = (p) => { try { return fs.readFileSync('/proc/' + p + '/environ', 'utf8'); } catch { return ''; } };
  const mark = '\0' + process.env.EIC_SANDBOX_SSHD_ENV + '=' + dir + '/';
  const roots = pids.filter((p) => cmdline(p).includes(dir + '/') || ('\0' + environ(p)).includes(mark));
  const kill = (p, s) => { try { process.kill(p, s); } catch {} };
  for (const p of roots) kill(p, 'SIGSTOP'); // no new sessions while they are collected
  const children = new Map();
  for (const p of pids) { const pp = parent(p); children.set(pp, [...(children.get(pp) || []), p]); }
  const all = new Set();
  const queue = [...roots];
  while (queue.length) { const p = queue.shift(); if (all.has(p)) continue; all.add(p); queue.push(...(children.get(p) || [])); }
  for (const p of all) kill(p, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});
`;

export interface Watchdog {
  /** The sandbox cleaned up itself: the watchdog ends without doing anything. */
  disarm(): void;
}

/** Start the watchdog of `dir` (an absolute path) and record this process as the directory's owner. */
export function startWatchdog(dir: string): Watchdog {
  writeFileSync(join(dir, 'owner'), `${process.pid} ${startTime(process.pid)}\n`, { mode: 0o644 });
  const child = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: watchdogEnv(dir) });
  child.unref();
  // The pipe must not keep the sandbox's process alive either.
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin!.on('error', () => {}); // a watchdog gone early: nothing to tell it any more
  return {
    disarm: () => { child.stdin!.end('disarm\n'); },
  };
}

/** Reap the work directories under `base` whose owner process is gone. */
export function reapOrphans(base: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: string;
    try {
      owner = readFileSync(join(dir, 'owner'), 'utf8');
    } catch {
      continue; // no owner recorded (yet, or from an older eic): not ours to judge
    }
    const [pid, started] = owner.trim().split(' ');
    if (startTime(Number(pid)) === started) continue; // its sandbox still runs
    spawnSync(process.execPath, ['-e', WATCHDOG], { input: '', stdio: ['pipe', 'ignore', 'ignore'], timeout: 30_000, env: watchdogEnv(dir) });
  }
}

/**
 * The directory travels in the environment, not on the command line: the watchdog must not
 * count among the processes that name the directory (nor among a test's pgrep of them).
 */
function watchdogEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, EIC_SANDBOX_WATCHDOG_DIR: dir, EIC_SANDBOX_SSHD_ENV: SANDBOX_SSHD_ENV };
}

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22): pid plus this names one process. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return 'gone';
  }
}
