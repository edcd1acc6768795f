/**
 * The user's ssh-agent: $SSH_AUTH_SOCK when it names a socket. ssh2 speaks the agent protocol
 * itself (for its keys, and for -A forwarding); eic only decides whether there is one.
 */
import { statSync } from 'node:fs';
import type { Logger } from '../log.js';

export function agentSocket(env: NodeJS.ProcessEnv, logger?: Logger): string | undefined {
  const path = env.SSH_AUTH_SOCK;
  if (!path) return undefined;
  try {
    if (statSync(path).isSocket()) return path;
    logger?.debug(`ssh-agent: ${path} is not a socket; not using it`);
  } catch (err) {
    logger?.debug(`ssh-agent: ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; not using it`);
  }
  return undefined;
}
