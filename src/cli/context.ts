/**
 * What a command is handed by main.ts: its Io, the one way to set the process's exit status, and
 * where main.ts writes its report of a failure.
 */
import type { Io } from '../io.js';

export interface CommandContext {
  io: Io;
  /** The process's exit status once the command's action resolves (main.ts applies it). */
  setExitCode(code: number): void;
  /**
   * Send main.ts's report of a failure (the `eic: …` line, and -v's details) to `write` instead
   * of stderr: `eic ssh -E FILE` puts it in the log file with the rest of its diagnostics.
   */
  reportTo(write: (text: string) => void): void;
}
