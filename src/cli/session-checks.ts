/**
 * Checks of the session options eic ssh and eic cp share that need no network, made before any
 * AWS call: a known-hosts path that can never work, and -c names ssh2 does not implement.
 */
import { stat } from 'node:fs/promises';
import { usageError } from '../errors.js';
import { algorithmList, PREFERRED_CIPHERS, ssh2Tables } from '../ssh/algorithms.js';
import { knownHostsPath } from '../ssh/known-hosts.js';
import type { SessionOptions } from '../session/ssh-session.js';

/** A known-hosts path that is a directory (or cannot be looked at) can never be read or written. */
export async function checkKnownHostsPath(path: string): Promise<void> {
  const hint = 'name a file with --known-hosts (or UserKnownHostsFile for eic ssh)';
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw usageError('known-hosts-unusable', `cannot use the known-hosts file ${path}: ${err.code ?? err.message}`, hint);
  });
  if (st?.isDirectory()) throw usageError('known-hosts-unusable', `the known-hosts file ${path} is a directory`, hint);
}

/** eic cp's share: the known-hosts path, and -c turned into a checked list. */
export async function checkSessionOptions(opts: SessionOptions, env: NodeJS.ProcessEnv): Promise<void> {
  await checkKnownHostsPath(knownHostsPath(env, opts.knownHosts));
  if (opts.cipher !== undefined) opts.algorithms = { ...opts.algorithms, cipher: algorithmList('cipher', opts.cipher, PREFERRED_CIPHERS, await ssh2Tables()) };
}
