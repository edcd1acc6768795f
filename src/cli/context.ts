/**
 * What a command is handed by main.ts: its Io, and the one way to set the process's exit status.
 */
import type { Io } from '../io.js';

export interface CommandContext {
  io: Io;
  /** The process's exit status once the command's action resolves (main.ts applies it). */
  setExitCode(code: number): void;
}
