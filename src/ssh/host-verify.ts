/**
 * The hostVerifier eic always gives ssh2 (without one ssh2 accepts any key). It applies
 * --strict-host-key-checking against the known-hosts file and remembers why it refused, so
 * the connection error can say "host key changed, see FILE:LINE" instead of ssh2's generic
 * "verification failed".
 */
import { EicError, usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { checkHostKey, knownKeyTypes, readKnownHosts, recordHostKey } from './known-hosts.js';
import { blobKeyType, fingerprint } from '../ssh-wire.js';

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

export function parseStrictMode(value: string): StrictHostKeyChecking {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'accept-new' || v === 'no') return v;
  if (v === 'off') return 'no';
  throw usageError('bad-strict-mode', `--strict-host-key-checking must be yes, accept-new or no, not "${value}"`);
}

export interface HostVerifierOptions {
  /** The known-hosts file. */
  file: string;
  /** The host pattern: the instance id (see hostAlias). */
  alias: string;
  mode: StrictHostKeyChecking;
  logger: Logger;
}

export interface HostVerifier {
  /** For ssh2's `hostVerifier` (raw key blob in, verdict out through the callback). */
  verify(key: Buffer, done: (ok: boolean) => void): void;
  /** Why the last key was refused, if it was. */
  refusal(): EicError | undefined;
}

export function createHostVerifier(opts: HostVerifierOptions): HostVerifier {
  let refused: EicError | undefined;
  const { file, alias, mode, logger } = opts;
  const decide = async (blob: Buffer): Promise<boolean> => {
    const type = blobKeyType(blob);
    const fp = fingerprint(blob);
    const result = checkHostKey(await readKnownHosts(file), alias, blob);
    switch (result.status) {
      case 'match':
        logger.debug(`host key for ${alias} matches ${file}:${result.line} (${type} ${fp})`);
        return true;
      case 'revoked':
        refused = new EicError('host-key-revoked',
          `the host key of ${alias} (${fp}) is marked @revoked in ${file}:${result.line}`);
        return false;
      case 'unknown':
        if (mode === 'yes') {
          refused = new EicError('host-key-unknown',
            `no host key for ${alias} in ${file}, and strict host key checking is on (${type} key fingerprint is ${fp})`,
            'connect once with --strict-host-key-checking accept-new to record it');
          return false;
        }
        {
          const line = await recordHostKey(file, alias, blob);
          logger.info(`${shortType(type)} key fingerprint is ${fp}.`);
          logger.info(`Permanently added '${alias}' (${shortType(type)}) to the list of known hosts (${file}:${line}).`);
        }
        return true;
      case 'changed': {
        const where = `${file}:${result.line}`;
        for (const l of changedBanner(alias, type, fp, where)) logger.warn(l);
        if (mode === 'no') {
          logger.warn(`continuing anyway because --strict-host-key-checking is "no"`);
          return true;
        }
        refused = new EicError('host-key-changed',
          `host key verification failed: the host key of ${alias} has changed (offending key in ${where})`,
          `if the instance was rebuilt or its key rotated, remove line ${result.line} of ${file} (ssh-keygen -R ${alias} -f ${file})`);
        return false;
      }
    }
  };
  return {
    verify(key, done) {
      decide(key).then(done, (err: Error) => {
        refused = new EicError('host-key-file', `cannot use known hosts file ${file}: ${err.message}`,
          'check its permissions, or pass another with --known-hosts', { cause: err });
        done(false);
      });
    },
    refusal: () => refused,
  };
}

/**
 * ssh2's serverHostKey preference with the types already recorded for this host first, as
 * OpenSSH does: otherwise a server with several host keys could present a type not yet
 * recorded and look "changed".
 */
export async function hostKeyAlgorithms(file: string, alias: string, defaults: string[]): Promise<string[]> {
  const known = knownKeyTypes(await readKnownHosts(file), alias);
  const preferred: string[] = [];
  for (const t of known) {
    if (t === 'ssh-rsa') preferred.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else preferred.push(t);
  }
  return [...new Set([...preferred.filter((a) => defaults.includes(a)), ...defaults])];
}

function shortType(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-')) return 'ECDSA';
  if (type === 'ssh-rsa') return 'RSA';
  return type;
}

function changedBanner(alias: string, type: string, fp: string, where: string): string[] {
  const bar = '@'.repeat(59);
  return [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    `The ${shortType(type)} host key for ${alias} has changed.`,
    `The fingerprint for the ${shortType(type)} key sent by the remote host is`,
    fp + '.',
    `Offending key in ${where}`,
  ];
}
