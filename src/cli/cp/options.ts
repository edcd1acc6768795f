/** The options `eic cp` parses, shared by its command (command.ts) and its run (run.ts). */
import type { SessionOptions } from '../../session/ssh-session.js';

export interface CpCliOptions extends SessionOptions {
  osUser: string;
  recursive?: boolean;
  preserve?: boolean;
  quiet?: boolean;
  resume?: boolean;
  verify?: boolean;
}
