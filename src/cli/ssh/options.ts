/** The options `eic ssh` parses, shared by its command (command.ts) and its run (run.ts). */
import type { Algorithms } from '../../ssh/session.js';
import type { AwsCliOptions } from '../aws-options.js';

export interface SshCliOptions extends AwsCliOptions {
  osUser: string;
  /** -l */
  loginName?: string;
  port: number;
  identity?: string;
  /** IdentitiesOnly (ssh_config): no ssh-agent keys are offered. */
  identitiesOnly?: boolean;
  push?: boolean;
  forwardAgent?: boolean;
  tty?: boolean;
  /** commander's negation of --tty via -T. */
  noTty?: boolean;
  /** -N */
  forwardOnly?: boolean;
  local: string[];
  remote: string[];
  dynamic: string[];
  /** -W host:port */
  stdioForward?: string;
  knownHosts?: string;
  strictHostKeyChecking: string;
  keepalive: number;
  keepaliveCountMax?: number;
  /** -c */
  cipher?: string;
  /** -m */
  macs?: string;
  /** -C */
  compression?: boolean;
  /** The checked lists settle.ts makes of -c, -m, -C and the ssh_config keys. */
  algorithms?: Algorithms;
  /** -o, in order. */
  option: string[];
  /** -F */
  configFile?: string;
  /** -E */
  logFile?: string;
  /** -G */
  printConfig?: boolean;
  /** -q */
  quiet?: boolean;
  /** false with --no-reconnect. */
  reconnect?: boolean;
  /** -e: the escape character's byte, null for none. */
  escapeChar?: number | null;
}
