/** The options `eic ssh` parses, shared by its command (command.ts) and its run (run.ts). */
import type { AwsCliOptions } from '../aws-options.js';

export interface SshCliOptions extends AwsCliOptions {
  osUser: string;
  port: number;
  identity?: string;
  push?: boolean;
  forwardAgent?: boolean;
  tty?: boolean;
  /** commander's negation of --tty via -T. */
  noTty?: boolean;
  /** -N */
  forwardOnly?: boolean;
  local: string[];
  dynamic: string[];
  knownHosts?: string;
  strictHostKeyChecking: string;
  keepalive: number;
  cipher?: string;
  /** false with --no-reconnect. */
  reconnect?: boolean;
  /** -e: the escape character's byte, null for none. */
  escapeChar?: number | null;
}
