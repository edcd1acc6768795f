/**
 * From what the user typed to a TunnelTarget: `user@` split off like OpenSSH, no target on a
 * terminal → the picker, several instances with one Name tag → ask on a terminal, else fail
 * with the list (discovery's own error).
 */
import { createAwsContext } from '../aws/clients.js';
import { accountOf } from '../aws/timeouts.js';
import { findInstances } from '../aws/instances.js';
import { isEicError, usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { checkOptions, discoverTarget, type TunnelTarget } from './discover.js';
import type { TargetOptions } from './options.js';
import type { Io } from '../io.js';
import { canPrompt, chooseInstance, pickInstance } from './pick-instance.js';

/** `user@host` → both parts (the last @ separates them, as in OpenSSH); `[v6]` loses its brackets. */
export function splitUserHost(target: string | undefined): { user?: string; host?: string } {
  if (target === undefined || target === '') return {};
  const at = target.lastIndexOf('@');
  let user: string | undefined;
  let host = target;
  if (at >= 0) {
    user = target.slice(0, at);
    host = target.slice(at + 1);
    if (!user) throw usageError('bad-target', `"${target}" has an empty user name before @`);
    if (!host) throw usageError('bad-target', `"${target}" has no instance after @`);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { user, host };
}

/**
 * One AWS context serves the picker, the lookup and the target, which holds it (close it with
 * target.aws.close()). `onCallsStarted`: see PrepareDeps (called for the first lookup).
 */
export async function resolveSshTarget(host: string | undefined, opts: TargetOptions, io: Io, logger: Logger,
  onCallsStarted?: () => void): Promise<TunnelTarget> {
  const deps = { env: io.env, logger, onCallsStarted };
  if (host === undefined && !canPrompt(io)) {
    throw usageError('target-missing', 'no instance given', 'name an instance id, Name tag or private IP (or run on a terminal to pick one)');
  }
  if (host !== undefined) checkOptions(host, opts);
  const aws = await createAwsContext({ ...accountOf(opts), env: io.env, logger });
  try {
    if (host === undefined) return await discoverTarget(aws, (await pickInstance(aws, io)).id, opts, deps);
    try {
      return await discoverTarget(aws, host, opts, deps);
    } catch (err) {
      if (!(isEicError(err) && err.code === 'instance-ambiguous' && canPrompt(io))) throw err;
      const chosen = await chooseInstance(aws, io, host, findInstances(aws, host));
      return await discoverTarget(aws, chosen.id, opts, deps);
    }
  } catch (err) {
    aws.close();
    throw err;
  }
}
