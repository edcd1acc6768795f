/**
 * -E FILE: diagnostics appended to a file instead of stderr, as OpenSSH does. Opened at once
 * (an unwritable path is a usage error before anything else happens) and written synchronously,
 * so the last lines are there even when eic exits right after.
 */
import { openSync, writeSync } from 'node:fs';
import { usageError } from '../../errors.js';

export function fileLogWriter(path: string): (line: string) => void {
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (err) {
    throw usageError('log-file-unwritable', `cannot append to the log file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'name a file you can write with -E');
  }
  return (line) => { writeSync(fd, line); };
}
