/** Looking at processes from tests (Linux): who names a path, and who is still alive. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

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
