/**
 * The local terminal during a pty session: raw mode on, window size sent on every resize,
 * and the original mode put back on every way out (normal exit, error, signal, lost tunnel).
 * Restoring is idempotent and also hooked to process 'exit', the last thing that runs.
 */
import type { Io } from '../io.js';

export interface WindowSize { rows: number; cols: number }

export interface TerminalSession {
  /** The size to ask for when the pty is allocated. */
  size(): WindowSize;
  /** Start forwarding resizes (SIGWINCH) to `onResize`. */
  onResize(cb: (size: WindowSize) => void): void;
  /**
   * Stop eic as Ctrl-Z stops a program (OpenSSH's `~^Z`): the terminal back to normal, then
   * SIGTSTP; when the shell continues eic (`fg`), raw mode again and the size re-sent, since
   * the window may have changed meanwhile.
   */
  suspend(): void;
  /** Put the terminal back as it was. Safe to call more than once. */
  restore(): void;
}

export function terminalSize(io: Io): WindowSize {
  return { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 };
}

/** Enter raw mode when stdin is a terminal (a forced -t with piped stdin only gets the pty). */
export function openTerminal(io: Io): TerminalSession {
  const stdin = io.stdin;
  const raw = Boolean(stdin.isTTY && stdin.setRawMode);
  let restored = false;
  const listeners: Array<() => void> = [];
  const resizeHandlers: Array<(size: WindowSize) => void> = [];
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const off of listeners) off();
    if (raw) {
      try { stdin.setRawMode?.(false); } catch { /* the terminal may be gone already */ }
    }
  };
  if (raw) {
    stdin.setRawMode?.(true);
    process.once('exit', restore);
    listeners.push(() => process.removeListener('exit', restore));
  }
  return {
    size: () => terminalSize(io),
    onResize(cb) {
      // Node turns SIGWINCH into a 'resize' event on TTY write streams.
      const handler = () => cb(terminalSize(io));
      io.stdout.on('resize', handler);
      resizeHandlers.push(cb);
      listeners.push(() => io.stdout.removeListener('resize', handler));
    },
    suspend() {
      if (!raw || restored) return;
      try { stdin.setRawMode?.(false); } catch { /* the terminal may be gone */ }
      // A signal a process sends itself is delivered before kill() returns: with the default
      // action (eic sets no SIGTSTP handler) the whole process stops right here, and this line
      // returns only once it is continued. Where the shell has no job control (an orphaned
      // process group) the kernel discards the signal and the session simply goes on.
      process.kill(process.pid, 'SIGTSTP');
      try { stdin.setRawMode?.(true); } catch { /* the terminal may be gone */ }
      for (const cb of resizeHandlers) cb(terminalSize(io));
    },
    restore,
  };
}
