/** Looking at processes from tests (Linux): who names a path, and who is still alive. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { descendants } from '../../src/sandbox/proc-tree.js';

/** pids whose command line mentions `text` (pgrep -f). */
export function pgrep(text: string): number[] {
  const r = spawnSync('pgrep', ['-f', text], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean).map(Number);
}

/** Running (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether a process whose command line starts with `argv` runs under the sshd instances whose
 * command lines name `dir` (the sandbox's work directory): a remote command has started.
 */
export function runsUnder(dir: string, argv: string[]): boolean {
  const want = argv.join('\0') + '\0';
  return pgrep(dir).flatMap((pid) => descendants(pid)).some((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(want); } catch { return false; }
  });
}
